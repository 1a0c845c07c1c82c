#!/usr/bin/env python3
"""Inputs for benches/leavers.sh from the LDIF benches/seed_ad.sh wrote (DIR/bench/seed-users.ldif):

  leavers_gen.py SEED_USERS_LDIF OUT_DIR BASE_DN

writes OUT_DIR/sweep.csv (an MIS leavers export of 500 pupils, left 30/11/2026), OUT_DIR/ldapmodify.ldif
(the same suspension for 500 other pupils as plain LDIF: disable, description, accountExpires in one
modify, leave both groups, move to OU=Leavers,OU=School) and OUT_DIR/roll.csv (an MIS roll of 2,000
pupils). Fixed seeds: the same directory gives the same files."""
import base64, random, re, sys

src, out, base = sys.argv[1:4]
users, cur = [], {}
for line in open(src, encoding="utf-8"):
    line = line.rstrip("\n")
    if not line:
        if cur:
            users.append(cur)
        cur = {}
        continue
    if ":: " in line:
        k, v = line.split(":: ", 1)
        v = base64.b64decode(v).decode("utf-8", "replace")
    elif ": " in line:
        k, v = line.split(": ", 1)
    else:
        continue
    cur[k] = v
if cur:
    users.append(cur)
users = [u for u in users if "sAMAccountName" in u]
random.seed(7)
picked = random.sample(users, 1000)
sweep, plain = picked[:500], picked[500:]
hdr = "Id,AD Username,Forename,Surname,Role,Leaving Date\n"


def row(u, left):
    q = lambda s: '"' + s.replace('"', '""') + '"'
    return ",".join([u["employeeID"], u["sAMAccountName"], q(u.get("givenName", "")), q(u.get("sn", "")), "Pupil", left]) + "\n"


def av(k, v):
    try:
        v.encode("ascii")
        return f"{k}: {v}\n"
    except UnicodeEncodeError:
        return f"{k}:: {base64.b64encode(v.encode()).decode()}\n"


open(f"{out}/sweep.csv", "w").write(hdr + "".join(row(u, "30/11/2026") for u in sweep))
open(f"{out}/roll.csv", "w").write(hdr + "".join(row(u, "") for u in random.sample(users, 2000)))
with open(f"{out}/ldapmodify.ldif", "w") as o:
    for u in plain:
        dn = u["dn"]
        year = re.search(r"OU=(Year \d+)", dn).group(1)
        o.write(av("dn", dn) + "changetype: modify\nreplace: userAccountControl\nuserAccountControl: 514\n-\n"
                "replace: description\ndescription: Left 2026-11-30; suspended by ldapmodify\n-\n"
                "replace: accountExpires\naccountExpires: 134088192000000000\n-\n\n")
        for g in (f"CN=Pupils,OU=School,{base}", f"CN={year} Pupils,OU=School,{base}"):
            o.write(f"dn: {g}\nchangetype: modify\ndelete: member\n" + av("member", dn) + "-\n\n")
        o.write(av("dn", dn) + "changetype: modrdn\n" + av("newrdn", dn.split(",OU=")[0])
                + f"deleteoldrdn: 1\nnewsuperior: OU=Leavers,OU=School,{base}\n\n")
