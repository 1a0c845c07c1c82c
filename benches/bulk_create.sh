#!/usr/bin/env bash
# Bulk creation: `schooltech accounts import --apply` of N new pupils against `ldapadd` of the same
# kind of entries (user, unicodePwd, enabled, must change at first logon) on the same Samba AD;
# on OpenLDAP (flavour = "openldap"), inetOrgPerson entries with a cleartext userPassword (the
# ppolicy overlay hashes it, as for the Password Modify schooltech uses) and pwdReset: TRUE, in
# ou=Pupils,ou=School, where the import puts pupils when no [directory.roles] are configured.
# Usage: benches/bulk_create.sh CONFIG [N]   (CONFIG from seed_ad.sh or seed_ldap.sh; N even)
set -euo pipefail
cfg=${1:?usage: $0 CONFIG [N]}
n=${2:-200}
st=${ST:-target/release/schooltech}
work=$(mktemp -d /tmp/schooltech-bulk.XXXXXX)
# shellcheck source=benches/flavour.sh
. "$(dirname "${BASH_SOURCE[0]}")/flavour.sh"  # url bind base pwfile ca flavour mis
cp "$cfg" "$work/st.toml"
printf '\n[accounts]\nhandout_dir = "%s"\n' "$work" >> "$work/st.toml"
tag=$(date +%s)
# ldapadd of one half, the import of all N (one run, as a technician would), ldapadd of the other
# half: the server slows a little after each burst of adds and as the directory grows, so
# whichever ran second would pay for it.
half=$(( n / 2 ))
python3 - "$n" "$tag" "$base" "$work" "$flavour" "$mis" "$half" <<'PY'
import base64, sys
n, tag, base, work = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
openldap, mis, half = sys.argv[5] == "openldap", sys.argv[6], int(sys.argv[7])
pw = base64.b64encode('"Quiet#Harbour7Falcon"'.encode("utf-16-le")).decode()
# A last name short enough that the usernames (cut to 20 characters) of one run never clash with
# an earlier run's: ldapadd's entries never clash, and a clash costs schooltech more look-ups.
last = f"P{tag[-7:]}"
with open(f"{work}/intake.csv", "w") as f:
    f.write("First Name,Last Name,Role,Form,MIS Id\n")
    for i in range(n):
        f.write(f"Intake{i},{last},pupil,7{'ABCD'[i % 4]},N{tag}{i:04d}\n")
for part, rows in (("a", range(half)), ("b", range(half, n))):
    with open(f"{work}/ldapadd-{part}.ldif", "w") as f:
        for i in rows:
            u = f"lda{i}.{tag}"
            if openldap:
                f.write(f"dn: uid={u},ou=Pupils,ou=School,{base}\nobjectClass: inetOrgPerson\n"
                        f"uid: {u}\ncn: Ldapadd{i} Pupil{tag}\ngivenName: Ldapadd{i}\nsn: Pupil{tag}\n"
                        f"displayName: Ldapadd{i} Pupil{tag}\n{mis}: L{tag}{i:04d}\n"
                        f"userPassword: Quiet#Harbour7Falcon\npwdReset: TRUE\n\n")
                continue
            f.write(f"dn: CN=Ldapadd{i} Pupil{tag},OU=Year 7,OU=Pupils,OU=School,{base}\nobjectClass: user\n"
                    f"sAMAccountName: {u}\nuserPrincipalName: {u}@school.test\ngivenName: Ldapadd{i}\nsn: Pupil{tag}\n"
                    f"displayName: Ldapadd{i} Pupil{tag}\nemployeeID: L{tag}{i:04d}\nunicodePwd:: {pw}\n"
                    f"userAccountControl: 512\npwdLastSet: 0\n\n")
PY
now() { date +%s.%N; }
add() { LDAPTLS_CACERT=$ca ldapadd -x -H "$url" -D "$bind" -y "$pwfile" -f "$work/ldapadd-$1.ldif" >> "$work/ldapadd.log"; }
imp() { "$st" --config "$work/st.toml" accounts import "$work/intake.csv" --apply > "$work/import.log" 2>&1; }
t0=$(now); add a; t1=$(now); imp; t2=$(now); add b; t3=$(now)
grep -E "^created" "$work/import.log"
python3 - "$t0" "$t1" "$t2" "$t3" "$n" <<'PY'
import sys
t0, t1, t2, t3, n = map(float, sys.argv[1:])
a, s = (t1 - t0) + (t3 - t2), t2 - t1
print(f"ldapadd          {a:6.2f} s  ({a / n * 1000:.0f} ms per account)")
print(f"schooltech import {s:6.2f} s  ({s / n * 1000:.0f} ms per account) = {s / a:.2f}x ldapadd")
PY
echo "work files (handout with temporary passwords, mode 0600) in $work; delete it when done"
