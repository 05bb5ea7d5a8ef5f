"""The demo county 清河县: a realistic, deterministic county to load with `jiandu demo load`.

``plan`` designs it as plain data (units, careers, complaints) from a seed and today's date;
``load`` records it through the platform's commands; ``planted`` lists its illegal cases.
"""
