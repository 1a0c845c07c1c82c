#!/usr/bin/env bash
# The leavers benchmarks, in one run on one directory seeded by benches/seed_ad.sh:
#  1. `leavers scan` of every account against a 2,000-row MIS roll vs `accounts list` (interleaved);
#  2. a sweep of 500 leavers (`sweep --mis ... --apply --yes`: disable, description, accountExpires,
#     leave both groups, move; journal and action log included) vs one `ldapmodify` run of the
#     same suspension of 500 other pupils (the LDIF puts the three attributes in one modify).
# Usage: benches/leavers.sh DIR [RUNS]   (DIR as given to seed_ad.sh; Samba running; it changes
# 1,000 pupils, so seed a fresh DIR to run it again)
set -euo pipefail
dir=${1:?usage: $0 DIR [RUNS]}
runs=${2:-3}
st=${ST:-target/release/schooltech}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
work="$dir/leavers-bench"
mkdir -p "$work"
val() { sed -n "s/^$1 *= *\"\\(.*\\)\"/\\1/p" "$dir/schooltech.toml" | head -n1; }
url=$(val url) bind=$(val bind_dn) base=$(val base_dn) pwfile=$(val bind_password_file) ca=$(val ca_cert)
python3 "$here/leavers_gen.py" "$dir/bench/seed-users.ldif" "$work" "$base"
mis='[mis]
id_column = "Id"
username_column = "AD Username"
first_name_column = "Forename"
last_name_column = "Surname"
role_column = "Role"
leaving_date_column = "Leaving Date"'
{ cat "$dir/schooltech.toml"; printf '\n[leavers]\nou = "OU=Leavers,OU=School"\n\n%s\nmode = "leavers"\n' "$mis"; } >"$work/sweep.toml"
{ sed 's|schooltech.db|schooltech-roll.db|' "$dir/schooltech.toml"; printf '\n%s\nmode = "roll"\n' "$mis"; } >"$work/roll.toml"
printf 'dn: OU=Leavers,OU=School,%s\nobjectClass: organizationalUnit\n' "$base" \
  | LDAPTLS_CACERT=$ca ldapadd -x -H "$url" -D "$bind" -y "$pwfile" >/dev/null 2>&1 || true
now() { date +%s.%N; }
list=0 scan=0
for _ in $(seq "$runs"); do
  t0=$(now); "$st" --config "$work/roll.toml" accounts list --format json >/dev/null
  t1=$(now); "$st" --config "$work/roll.toml" leavers scan --mis "$work/roll.csv" --format json >"$work/scan.json" || [ $? -eq 1 ]
  t2=$(now)
  list=$(python3 -c "print($list + $t1 - $t0)"); scan=$(python3 -c "print($scan + $t2 - $t1)")
done
t0=$(now); "$st" --config "$work/sweep.toml" sweep --mis "$work/sweep.csv" --apply --yes >"$work/sweep.txt"
t1=$(now); LDAPTLS_CACERT=$ca ldapmodify -x -H "$url" -D "$bind" -y "$pwfile" -f "$work/ldapmodify.ldif" >/dev/null
t2=$(now)
python3 - "$list" "$scan" "$runs" "$t0" "$t1" "$t2" <<'PY'
import sys
list_, scan, runs, t0, t1, t2 = map(float, sys.argv[1:])
print(f"accounts list      {list_ / runs:7.2f} s per run")
print(f"leavers scan       {scan / runs:7.2f} s per run  = {scan / list_:.2f}x accounts list (target 1.2x)")
sw, lm = t1 - t0, t2 - t1
print(f"sweep of 500       {sw:7.2f} s")
print(f"ldapmodify of 500  {lm:7.2f} s  sweep = {sw / lm:.2f}x ldapmodify (target 1.3x)")
PY
