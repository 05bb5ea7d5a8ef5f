"""The supervision process, on the write side: the rules judged over the histories events
touch, and the findings' changes saved with a tracking record, exactly once (``process``); the
evaluation of one subject (``evaluation``), positioned histories (``histories``), and the
findings' changes of a batch (``register``)."""
