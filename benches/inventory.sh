#!/usr/bin/env bash
# The equipment register with 100,000 assets, timed through the release binary as a technician
# runs it: import from CSV, `inventory list --search`, single `audit scan` commands. No directory
# server is needed (none of these commands talks to it).
#   benches/inventory.sh [BINARY]    (default: ${CARGO_TARGET_DIR:-target}/release/schooltech)
set -euo pipefail
ST=${1:-${CARGO_TARGET_DIR:-target}/release/schooltech}
[ -x "$ST" ] || { echo "build first: cargo build --release" >&2; exit 2; }
W=$(mktemp -d /tmp/schooltech-inv-bench.XXXXXX)
trap 'rm -rf "$W"' EXIT
printf 'x' > "$W/pw"; chmod 600 "$W/pw"
cat > "$W/st.toml" <<TOML
[school]
name = "Bench Academy"
[directory]
url = "ldaps://127.0.0.1:636"
flavour = "active-directory"
bind_dn = "CN=bench,DC=bench,DC=test"
bind_password_file = "$W/pw"
base_dn = "DC=bench,DC=test"
[store]
path = "$W/bench.db"
TOML
python3 - "$W/a100k.csv" <<'PY'
import sys
cats = ["laptop", "desktop", "tablet", "printer", "display"]; makes = ["Dell", "HP", "Lenovo", "Apple"]
with open(sys.argv[1], "w") as f:
    f.write("tag,serial,category,manufacturer,model,data_bearing,site,room,status,purchase_date,price,supplier,warranty_end,funding,encrypted,last_audited,notes\n")
    for i in range(1, 100001):
        f.write(f"HA{i:06d},SN-{i*7919:09d},{cats[i%5]},{makes[i%4]},Model {i%37},,,Room {i%40+1},in-stock,,,,,,,,\n")
PY
inv() { "$ST" --config "$W/st.toml" inventory "$@"; }
t() { local s e; s=$(date +%s.%N); "$@" >/dev/null; e=$(date +%s.%N); python3 -c "print(f'{($e-$s)*1000:.0f} ms')"; }
echo "import 100,000 assets (--apply): $(t inv import "$W/a100k.csv" --apply)"
for q in "model 17" "ha09999" "sn-000"; do
  echo "list --search \"$q\" (whole process): $(t inv list --search "$q" --format csv)"
done
inv audit start --name Bench >/dev/null
s=$(date +%s.%N)
for i in $(seq 1 200); do inv audit scan "$(printf 'HA%06d' $((i * 397 % 100000 + 1)))" --room "Room 1" >/dev/null; done
e=$(date +%s.%N)
python3 -c "print(f'audit scan, one process each (start, open store, scan, log, fsync): {($e-$s)/200*1000:.1f} ms per scan')"
