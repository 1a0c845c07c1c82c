#!/usr/bin/env python3
"""Writes LDIF for N bench pupils, for benches/seed_ldap.sh (offline `slapadd -q` into a slapd mdb).

usage: gen_ldap_users.py N PASSWORD OUT_LDIF [BASE]

One file, in slapadd order (parents first): the suffix, the fixture's OU layout
(ou=School / ou=Pupils / ou=Year 7..13, Staff, Supply, Generic, Leavers, ou=Groups, ou=Policies),
the fixture's two ppolicy entries, N pupils (inetOrgPerson + posixAccount + shadowAccount: uid,
cn, sn, givenName, displayName, employeeNumber B000000.., userPassword {SSHA} with its own salt,
pwdChangedTime spread over the last 60 days, pwdLastSuccess for 9 in 10, memberOf), then the
groupOfNames groups `Pupils` and `Year N Pupils` in ou=Groups with every pupil as member.
Deterministic apart from the salts and the times (relative to now).

Every entry gets createTimestamp, modifyTimestamp and entryCSN spread evenly from AGE_DAYS ago
(environment, default 90) to a day ago, the OUs, policies and groups first: a directory built
over a term, its newest change (a pupil) not in the last minutes. With slapadd's own stamps (or
all stamps a few minutes apart) every entry is within the mirror's 5-minute delta overlap of the
newest entryCSN, so every delta reads the whole directory again; and a group changed within the
overlap makes it re-read the group's members. AGE_DAYS=0 leaves the stamps to slapadd.
"""
import base64
import hashlib
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gen_users import GIVEN, SUR, YEARS, ascii_user  # noqa: E402  (same names as the AD bench)


def val(k, v):
    """An LDIF line: base64 when the value is not plain ASCII or starts unsafely."""
    if v.isascii() and v[:1] not in (" ", ":", "<") and v[-1:] != " ":
        return f"{k}: {v}"
    return f"{k}:: {base64.b64encode(v.encode()).decode()}"


def ssha(password):
    salt = os.urandom(8)
    digest = hashlib.sha1(password.encode() + salt).digest()
    return "{SSHA}" + base64.b64encode(digest + salt).decode()


def gtime(t):
    return time.strftime("%Y%m%d%H%M%SZ", time.gmtime(t))


def esc_rdn(v):
    out = []
    for i, ch in enumerate(v):
        if ch in ',+"\\<>;=' or (i == 0 and ch in "# ") or (i == len(v) - 1 and ch == " "):
            out.append("\\" + ch)
        else:
            out.append(ch)
    return "".join(out)


def main():
    n, password, out = int(sys.argv[1]), sys.argv[2], sys.argv[3]
    base = sys.argv[4] if len(sys.argv) > 4 else "dc=school,dc=test"
    dc = base.split(",")[0].split("=", 1)[1]
    now = time.time()
    age_days = float(os.environ.get("AGE_DAYS", "90"))
    count = [0]
    step = max(age_days - 1, 0) * 86400 / (n + 30)  # n pupils and at most 30 other entries

    def stamped(entry, k=None):
        """The entry's lines plus its back-dated operational stamps (the k-th of the spread, else
        the next), then the blank line."""
        if age_days > 0:
            if k is None:
                k = count[0]
                count[0] += 1
            t = now - age_days * 86400 + k * step
            ts = time.strftime("%Y%m%d%H%M%S", time.gmtime(t))
            us = int((t % 1) * 1_000_000)
            entry = entry + [f"createTimestamp: {ts}Z", f"modifyTimestamp: {ts}Z",
                             f"entryCSN: {ts}.{us:06d}Z#000000#000#000000"]
        return entry + [""]

    lines = stamped([f"dn: {base}", "objectClass: dcObject", "objectClass: organization",
                     "o: Bench Academy", f"dc: {dc}"])
    ous = ["ou=School", "ou=Pupils,ou=School"] + [f"ou=Year {y},ou=Pupils,ou=School" for y in YEARS] + \
          ["ou=Staff,ou=School", "ou=Supply,ou=School", "ou=Generic,ou=School",
           "ou=Leavers,ou=School", "ou=Groups", "ou=Policies"]
    for ou in ous:
        name = ou.split(",")[0].split("=", 1)[1]
        lines += stamped([f"dn: {ou},{base}", "objectClass: organizationalUnit", f"ou: {name}"])
    # The fixture's policies (tests/fixtures/school-openldap.ldif).
    lines += stamped([f"dn: cn=default,ou=Policies,{base}", "objectClass: device",
                      "objectClass: pwdPolicy", "cn: default", "pwdAttribute: userPassword",
                      "pwdMinLength: 7", "pwdCheckQuality: 1", "pwdMaxAge: 3628800", "pwdMinAge: 0",
                      "pwdInHistory: 24", "pwdLockout: TRUE", "pwdMaxFailure: 5",
                      "pwdLockoutDuration: 1800", "pwdFailureCountInterval: 1800",
                      "pwdMustChange: FALSE", "pwdAllowUserChange: TRUE"])
    lines += stamped([f"dn: cn=never-expires,ou=Policies,{base}", "objectClass: device",
                      "objectClass: pwdPolicy", "cn: never-expires", "pwdAttribute: userPassword",
                      "pwdMinLength: 7", "pwdCheckQuality: 1", "pwdMaxAge: 0", "pwdLockout: TRUE",
                      "pwdMaxFailure: 5", "pwdLockoutDuration: 1800"])
    groups = f"ou=Groups,{base}"
    all_group = f"cn=Pupils,{groups}"
    by_year = {y: [] for y in YEARS}
    for i in range(n):
        given, sur = GIVEN[i % len(GIVEN)], SUR[(i // len(GIVEN)) % len(SUR)]
        year = YEARS[i % len(YEARS)]
        stem = f"{ascii_user(given)[:8]}.{ascii_user(sur.replace(' ', ''))[:10]}"
        user = f"{stem[:20 - len(str(i))]}{i}"
        name = f"{given} {sur}"
        dn = f"uid={esc_rdn(user)},ou=Year {year},ou=Pupils,ou=School,{base}"
        by_year[year].append(dn)
        changed = now - (i * 7919 % (60 * 86400))  # spread over 60 days: some expired (42-day policy)
        entry = [val("dn", dn), "objectClass: inetOrgPerson", "objectClass: posixAccount",
                 "objectClass: shadowAccount", f"uid: {user}", val("cn", name), val("sn", sur),
                 val("givenName", given), val("displayName", name), f"employeeNumber: B{i:06d}",
                 f"uidNumber: {100000 + i}", f"gidNumber: {100000 + year}",
                 f"homeDirectory: /home/{user}", f"userPassword: {ssha(password)}",
                 f"pwdChangedTime: {gtime(changed)}"]
        if i % 10:
            entry.append(f"pwdLastSuccess: {gtime(now - (i * 104729 % (30 * 86400)))}")
        entry += [val("memberOf", all_group), val("memberOf", f"cn=Year {year} Pupils,{groups}")]
        lines += stamped(entry, 30 + i)
    if n:
        lines += stamped([f"dn: {all_group}", "objectClass: groupOfNames", "cn: Pupils"]
                         + [val("member", dn) for y in YEARS for dn in by_year[y]], 20)
    for y in YEARS:
        if by_year[y]:
            lines += stamped([f"dn: cn=Year {y} Pupils,{groups}", "objectClass: groupOfNames",
                              f"cn: Year {y} Pupils"] + [val("member", dn) for dn in by_year[y]], 21 + y - YEARS[0])
    with open(out, "w", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
