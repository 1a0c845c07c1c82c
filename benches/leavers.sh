#!/usr/bin/env bash
# Leavers benchmarks on a Samba AD seeded by benches/seed_ad.sh, in one run, as ratios:
#  (a) `schooltech sweep --apply --yes` of LEAVERS bench pupils (disable, stamp the description,
#      accountExpires, leave the groups, move to OU=Leavers; journal and action log included)
#      vs one `ldapmodify` of the equivalent LDIF for as many other bench pupils (target <= 1.3x);
#  (b) `schooltech leavers scan` of the whole directory against an MIS roll of ROLL rows
#      vs `schooltech accounts list` of the same directory (target <= 1.2x).
# The sweep changes the directory: run it on a bench Samba only (each run uses fresh pupils:
# the next 2*LEAVERS not yet in OU=Leavers).
#
#   benches/seed_ad.sh 20000            # once: 20k pupils, prints CONFIG
#   benches/leavers.sh CONFIG [LEAVERS] [ROLL] [RUNS]   (defaults 500, 2000, 3)
#   ST=target/release/schooltech (default)
set -euo pipefail
cfg=${1:?usage: $0 CONFIG [LEAVERS] [ROLL] [RUNS]}
leavers=${2:-500}
roll=${3:-2000}
runs=${4:-3}
st=${ST:-target/release/schooltech}
[ -x "$st" ] || { echo "build first: cargo build --release (or set ST)" >&2; exit 2; }
val() { sed -n "s/^$1 *= *\"\\(.*\\)\"/\\1/p" "$cfg" | head -n1; }
url=$(val url) bind=$(val bind_dn) base=$(val base_dn) pwfile=$(val bind_password_file) ca=$(val ca_cert)
work=$(mktemp -d /tmp/schooltech-bench-leavers.XXXXXX)
now() { date +%s.%N; }
ldap() { LDAPTLS_CACERT=$ca "$@" -x -H "$url" -D "$bind" -y "$pwfile"; }

# The bench pupils not yet moved to the Leavers OU: username, DN, employeeID, groups.
ldap ldapsearch -LLL -o ldif-wrap=no -b "OU=Pupils,OU=School,$base" -E pr=1000/noprompt \
  '(&(objectClass=user)(employeeID=B*))' sAMAccountName employeeID memberOf >"$work/pupils.ldif"
python3 - "$work" "$leavers" "$roll" "$base" <<'PY'
import base64, sys, time, datetime
work, n, roll, base = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
entries, cur = [], None
for line in open(f"{work}/pupils.ldif", encoding="utf-8").read().splitlines():
    if not line.strip():
        if cur: entries.append(cur)
        cur = None
        continue
    k, _, v = line.partition(":")
    if v.startswith(":"):
        v = base64.b64decode(v[1:].strip()).decode()
    else:
        v = v.strip()
    if k == "dn":
        cur = {"dn": v, "memberOf": []}
    elif cur is not None:
        if k == "memberOf": cur["memberOf"].append(v)
        else: cur[k] = v
if cur: entries.append(cur)
entries.sort(key=lambda e: e.get("employeeID", ""))
if len(entries) < 2 * n:
    sys.exit(f"only {len(entries)} bench pupils left outside the Leavers OU; need {2 * n}: seed more")
ours, theirs = entries[:n], entries[n:2 * n]
yesterday = (datetime.date.today() - datetime.timedelta(days=1)).isoformat()
today = datetime.date.today().isoformat()
with open(f"{work}/leavers.csv", "w", encoding="utf-8") as f:
    f.write("Id,AD Username,Forename,Surname,Role,Leaving Date\r\n")
    for e in ours:
        f.write(f"{e['employeeID']},{e['sAMAccountName']},,,Pupil,{yesterday}\r\n")
# The roll: ROLL pupils still on it (every other enabled pupil or staff account has left).
with open(f"{work}/roll.csv", "w", encoding="utf-8") as f:
    f.write("Id,AD Username,Forename,Surname,Role\r\n")
    for e in entries[-roll:]:
        f.write(f"{e['employeeID']},{e['sAMAccountName']},,,Pupil\r\n")
# The same changes as the sweep's steps, as one LDIF: disable, stamp, expire, groups, move.
ft = int((time.time() + 11644473600) * 10**7)
def val(k, v):
    try:
        v.encode("ascii"); return f"{k}: {v}"
    except UnicodeEncodeError:
        return f"{k}:: {base64.b64encode(v.encode()).decode()}"
out = []
for e in theirs:
    dn = e["dn"]
    out += [val("dn", dn), "changetype: modify", "replace: userAccountControl", "userAccountControl: 514", "-",
            "replace: description", f"description: Left {yesterday}; suspended by schooltech {today}", "-",
            "replace: accountExpires", f"accountExpires: {ft}", "-", ""]
    for g in e["memberOf"]:
        out += [val("dn", g), "changetype: modify", "delete: member", val("member", dn), "-", ""]
    rdn = dn.split(",OU=")[0]
    out += [val("dn", dn), "changetype: modrdn", val("newrdn", rdn), "deleteoldrdn: 1",
            f"newsuperior: OU=Leavers,OU=School,{base}", ""]
open(f"{work}/equivalent.ldif", "w", encoding="utf-8").write("\n".join(out) + "\n")
PY

# Configurations: the bench's, with its own store, the MIS columns and the Leavers OU.
mk() { # mk NAME MODE
  sed "s|^path = .*|path = \"$work/$1.db\"|" "$cfg" >"$work/$1.toml"
  cat >>"$work/$1.toml" <<TOML

[mis]
mode = "$2"
id_column = "Id"
username_column = "AD Username"
first_name_column = "Forename"
last_name_column = "Surname"
role_column = "Role"
leaving_date_column = "$([ "$2" = leavers ] && echo 'Leaving Date')"

[leavers]
ou = "OU=Leavers,OU=School"
TOML
  grep -q '^\[directory.roles.pupil\]' "$work/$1.toml" || printf '\n[directory.roles.pupil]\nous = ["OU=Pupils,OU=School"]\n' >>"$work/$1.toml"
}
mk sweep leavers
mk scan roll

# (a) The sweep vs ldapmodify (each once: they change the directory).
t0=$(now)
"$st" --config "$work/sweep.toml" sweep --mis "$work/leavers.csv" --apply --yes >"$work/sweep.out" 2>"$work/sweep.err" \
  || { echo "the sweep failed:"; tail -5 "$work/sweep.err"; exit 1; }
t1=$(now)
ldap ldapmodify -f "$work/equivalent.ldif" >"$work/ldapmodify.out"
t2=$(now)
grep -q "finished" "$work/sweep.out" || { echo "the sweep did not finish:"; cat "$work/sweep.out"; exit 1; }

# (b) The scan against the roll vs accounts list (RUNS each).
count=$("$st" --config "$work/scan.toml" accounts list --format json | grep -c '"username"')
t3=$(now)
for _ in $(seq "$runs"); do "$st" --config "$work/scan.toml" accounts list --format json >/dev/null; done
t4=$(now)
for _ in $(seq "$runs"); do
  "$st" --config "$work/scan.toml" leavers scan --mis "$work/roll.csv" --format json >"$work/scan.json" 2>/dev/null || [ $? -eq 1 ]
done
t5=$(now)
findings=$(grep -c '"username"' "$work/scan.json" || true)
python3 - "$t0" "$t1" "$t2" "$t3" "$t4" "$t5" "$runs" "$leavers" "$count" "$roll" "$findings" <<'PY'
import sys
t0, t1, t2, t3, t4, t5 = map(float, sys.argv[1:7])
runs, n, count, roll, findings = map(int, sys.argv[7:])
sw, lm = t1 - t0, t2 - t1
li, sc = (t4 - t3) / runs, (t5 - t4) / runs
print(f"(a) sweep --apply of {n} leavers  {sw:7.2f} s   ldapmodify of the same changes {lm:7.2f} s   = {sw / lm:.2f}x (target <= 1.3x)")
print(f"(b) leavers scan of {count} accounts, roll of {roll} ({findings} findings)  {sc:7.2f} s   accounts list {li:7.2f} s   = {sc / li:.2f}x (target <= 1.2x)")
PY
echo "work files in $work"
