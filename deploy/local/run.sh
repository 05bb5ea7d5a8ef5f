#!/usr/bin/env bash
# What `make run` does once installed: load the demo county 清河县 into the configured store (only
# into an empty one; later runs find it loaded and write nothing), print a one-time sign-in link
# for the staff pages, an inspector token and an example request, then serve the API and the pages
# in the foreground. JIANDU_* variables apply as usual.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."

JIANDU=${JIANDU:-.venv/bin/jiandu}
# Development unless said otherwise: the token secret and the seal key are then generated into
# the data folder on first use (an unset JIANDU_ENV means production, which needs both set).
export JIANDU_ENV=${JIANDU_ENV:-dev}
HOST=${JIANDU_HOST:-127.0.0.1}
PORT=${JIANDU_PORT:-8000}
[ "$HOST" = 0.0.0.0 ] && HOST=127.0.0.1

"$JIANDU" demo load
TOKEN=$("$JIANDU" token issue --role inspector --subject demo-inspector --ttl 8h)
CADRE=$("$JIANDU" demo example)
LINK=$("$JIANDU" ui link --role inspector --subject demo-inspector --session 8h \
  --base-url "http://$HOST:$PORT" 2>/dev/null)

cat <<MESSAGE

The staff pages, signed in as the demo county's inspector (the link works once, within ten
minutes; \`jiandu ui link --role inspector --subject demo-inspector\` makes another):

  $LINK

The public complaint form: http://$HOST:$PORT/report

An inspector's token for the API (valid 8 hours):

  export TOKEN=$TOKEN

A township cadre seconded to the county propaganda department almost two years ago, who never
went back (R-SEC-04, R-SEC-05), once the server below is up:

  curl -H "Authorization: Bearer \$TOKEN" http://$HOST:$PORT/api/v1/cadres/$CADRE

MESSAGE
exec "$JIANDU" serve
