#!/bin/sh
# Classic latency test: sends the 160 reviews of data/reviews.csv to POST /infer, one at a time, with curl.
# Usage: sh deploy/latency_test.sh HOST PORT      (e.g. sh deploy/latency_test.sh 127.0.0.1 5000)
# REVIEWS=<file> picks another corpus (same CSV layout: id,label,"text").
# POSIX sh only (works with dash): no arrays, no bash-isms.

if [ "$#" -ne 2 ]; then
  echo "usage: sh latency_test.sh HOST PORT   (e.g. sh latency_test.sh 127.0.0.1 5000)" >&2
  exit 2
fi
HOST=$1
PORT=$2
case $PORT in
  '' | *[!0-9]*) echo "latency_test.sh: PORT must be a number, got '$PORT'" >&2; exit 2 ;;
esac
command -v curl >/dev/null 2>&1 || { echo "latency_test.sh: curl is not installed" >&2; exit 2; }

REVIEWS=${REVIEWS:-$(dirname "$0")/../data/reviews.csv}
if [ ! -r "$REVIEWS" ]; then
  echo "latency_test.sh: cannot read the corpus '$REVIEWS'" >&2
  exit 2
fi

URL="http://$HOST:$PORT/infer"

# One JSON body per line. The text is the third CSV field, always quoted ("" inside it is a quote), and
# contains no line breaks; JSON needs backslashes and quotes escaped, and tabs (none today) as \t.
bodies() {
  # Escaping is done character by character: gsub replacement strings treat backslashes differently
  # in mawk, gawk and busybox awk, plain concatenation does not.
  awk 'NR > 1 && NF {
    text = $0
    sub(/\r$/, "", text)
    sub(/^[^,]*,[^,]*,/, "", text)
    if (text ~ /^".*"$/) { text = substr(text, 2, length(text) - 2); gsub(/""/, "\"", text) }
    json = ""
    for (i = 1; i <= length(text); i++) {
      c = substr(text, i, 1)
      if (c == "\\" || c == "\"") json = json "\\" c
      else if (c == "\t") json = json "\\t"
      else json = json c
    }
    print "{\"text\": \"" json "\"}"
  }' "$REVIEWS"
}

n=0
failed=0
# The loop runs in a subshell (pipe), so it reports its failures through its exit status.
bodies | {
  while IFS= read -r body; do
    n=$((n + 1))
    echo "Query $n"
    if ! curl -sS --max-time 30 -X POST -H 'Content-Type: application/json' --data-binary "$body" "$URL"; then
      failed=$((failed + 1))
    fi
    echo
  done
  if [ "$failed" -ne 0 ]; then
    echo "latency_test.sh: $failed of $n requests failed ($URL)" >&2
    exit 1
  fi
  exit 0
}
