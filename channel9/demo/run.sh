#!/bin/sh
# The demo (`make demo`): the project from crawl to dataset, offline, in about a minute.
#
# Usage: sh channel9/demo/run.sh FOLDER, with the project's scrapy and python first in PATH;
# FOLDER new, empty or an earlier demo's.
# Serves the fake site (python -m channel9.demo) on 127.0.0.1, crawls it into FOLDER (run
# files, state and archive in FOLDER/data, never data/), builds FOLDER/channel9.parquet
# with its card and plot, shows the runs, and stops the site, also when a step fails: the
# exit status is the failing step's.
set -eu

folder=${1:?usage: sh channel9/demo/run.sh FOLDER}
# Each demo starts afresh, deleting the last one's files; so FOLDER is new, empty or a
# demo's (it holds this marker): `run.sh .` must never delete the project's data/.
marker="$folder/.channel9-demo"
if [ -d "$folder" ] && [ ! -f "$marker" ] && [ -n "$(ls -A "$folder")" ]; then
    echo "make demo: error: $folder is not a demo's folder (no $marker), nor empty: name a new one" >&2
    exit 2
fi
mkdir -p "$folder"
echo "A demo's folder: make demo (channel9/demo/run.sh) deletes its files." >"$marker"
# The site's port, and so the address the state knows, changes from one demo to the next.
rm -rf "$folder/data" "$folder"/channel9.* "$folder/site.txt"

python -m channel9.demo >"$folder/site.txt" &
site=$!
# The site stops whatever ends the demo; the demo's exit status stays the failing step's.
trap 'status=$?; kill "$site" 2>/dev/null; wait "$site" || true; exit "$status"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# The site prints one line with its address once it answers.
waited=0
until url=$(grep -o 'http://[^ ]*[^/ ]' "$folder/site.txt"); do
    if ! kill -0 "$site" 2>/dev/null; then
        echo "make demo: error: the demo site stopped before it served (see above)" >&2
        exit 2
    fi
    if [ "$waited" -ge 300 ]; then
        echo "make demo: error: the demo site did not answer within 30 s" >&2
        exit 1
    fi
    sleep 0.1
    waited=$((waited + 1))
done
cat "$folder/site.txt"

step() {
    printf '$ %s\n' "$*"
    "$@"
}

# Everything the crawl writes goes under $folder/data: the demo leaves data/ alone.
in_folder="CHANNEL9_DATA_DIR=$folder/data"
# The politeness a real site needs, off for this one on the same machine:
#   DOWNLOAD_DELAY=0                      no pause between requests: nobody else is served;
#   AUTOTHROTTLE_ENABLED=0                no delay to adapt to the server's answer times;
#   CONCURRENT_REQUESTS_PER_DOMAIN=16     a local server answers many requests at once.
step scrapy crawl channel9 -a "base_url=$url" -s "$in_folder" \
    -s DOWNLOAD_DELAY=0 -s AUTOTHROTTLE_ENABLED=0 -s CONCURRENT_REQUESTS_PER_DOMAIN=16
step scrapy dataset -o "$folder/channel9.parquet" -s "$in_folder"
step scrapy runs -s "$in_folder"
