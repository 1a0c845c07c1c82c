#!/usr/bin/env python3
"""Writes LDIF for N bench pupils, for benches/seed_ad.sh (offline ldbadd into a Samba sam.ldb).

usage: gen_users.py N PASSWORD EXISTING_DNS_FILE OUT_PREFIX [BASE]

Writes OUT_PREFIX-structure.ldif (OUs and groups not listed in EXISTING_DNS_FILE),
OUT_PREFIX-users.ldif (the pupils, with a precomputed NT hash as unicodePwd and pwdLastSet now:
needs the bypass-password-hash and relax controls) and OUT_PREFIX-members.ldif (adds them to
CN=Pupils and to per-year groups). Deterministic apart from pwdLastSet.
"""
import base64
import struct
import sys
import time

GIVEN = ["Harry", "Mia", "Jack", "Grace", "Arthur", "Lily", "Oscar", "Evie", "Theo", "Ella",
         "Renée", "Søren", "Niamh", "Dáithí", "Zoé", "Mary-Jane", "Ali", "Yusuf", "Ida", "Jo",
         "Noah", "Amelia", "Leo", "Isla", "Freddie", "Ava", "Alfie", "Ivy", "Charlie", "Freya"]
SUR = ["Hughes", "Roberts", "Walker", "Wright", "Thompson", "Hall", "Green", "Ahmed", "Ali", "Clarke",
       "O'Neill", "D'Arcy", "Müller", "García", "Lloyd-Webber", "McKenzie", "Ní Bhriain", "Li", "Wu",
       "Smith", "Jones", "Taylor", "Brown", "Davies", "Evans", "Wilson", "Johnson", "Patel", "Khan"]
YEARS = range(7, 14)
ASCII = {"é": "e", "á": "a", "í": "i", "ø": "o", "ü": "u", "æ": "ae"}


def md4(data):
    """MD4 (RFC 1320); hashlib lacks it under OpenSSL 3."""
    def f(x, y, z): return (x & y) | (~x & z)
    def g(x, y, z): return (x & y) | (x & z) | (y & z)
    def h(x, y, z): return x ^ y ^ z
    def rol(v, s): v &= 0xFFFFFFFF; return ((v << s) | (v >> (32 - s))) & 0xFFFFFFFF
    msg = data + b"\x80" + b"\0" * ((55 - len(data)) % 64) + struct.pack("<Q", len(data) * 8)
    a, b, c, d = 0x67452301, 0xEFCDAB89, 0x98BADCFE, 0x10325476
    for off in range(0, len(msg), 64):
        x = struct.unpack("<16I", msg[off:off + 64])
        aa, bb, cc, dd = a, b, c, d
        for i in range(16):
            k, s = i, [3, 7, 11, 19][i % 4]
            if i % 4 == 0: a = rol(a + f(b, c, d) + x[k], s)
            elif i % 4 == 1: d = rol(d + f(a, b, c) + x[k], s)
            elif i % 4 == 2: c = rol(c + f(d, a, b) + x[k], s)
            else: b = rol(b + f(c, d, a) + x[k], s)
        for i in range(16):
            k, s = (i % 4) * 4 + i // 4, [3, 5, 9, 13][i % 4]
            if i % 4 == 0: a = rol(a + g(b, c, d) + x[k] + 0x5A827999, s)
            elif i % 4 == 1: d = rol(d + g(a, b, c) + x[k] + 0x5A827999, s)
            elif i % 4 == 2: c = rol(c + g(d, a, b) + x[k] + 0x5A827999, s)
            else: b = rol(b + g(c, d, a) + x[k] + 0x5A827999, s)
        order = [0, 8, 4, 12, 2, 10, 6, 14, 1, 9, 5, 13, 3, 11, 7, 15]
        for i in range(16):
            k, s = order[i], [3, 9, 11, 15][i % 4]
            if i % 4 == 0: a = rol(a + h(b, c, d) + x[k] + 0x6ED9EBA1, s)
            elif i % 4 == 1: d = rol(d + h(a, b, c) + x[k] + 0x6ED9EBA1, s)
            elif i % 4 == 2: c = rol(c + h(d, a, b) + x[k] + 0x6ED9EBA1, s)
            else: b = rol(b + h(c, d, a) + x[k] + 0x6ED9EBA1, s)
        a, b, c, d = [(v + w) & 0xFFFFFFFF for v, w in zip((a, b, c, d), (aa, bb, cc, dd))]
    return struct.pack("<4I", a, b, c, d)


def ascii_user(s):
    t = s.lower()
    for k, v in ASCII.items():
        t = t.replace(k, v)
    return "".join(ch for ch in t if ch.isalnum() or ch in ".-")


def esc_rdn(v):
    out = []
    for i, ch in enumerate(v):
        if ch in ',+"\\<>;=' or (i == 0 and ch in "# ") or (i == len(v) - 1 and ch == " "):
            out.append("\\" + ch)
        else:
            out.append(ch)
    return "".join(out)


def val(k, v):
    try:
        v.encode("ascii")
        return f"{k}: {v}"
    except UnicodeEncodeError:
        return f"{k}:: {base64.b64encode(v.encode()).decode()}"


def main():
    n, password, existing_file, prefix = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
    base = sys.argv[5] if len(sys.argv) > 5 else "DC=school,DC=test"
    existing = {l.strip().lower() for l in open(existing_file, encoding="utf-8") if l.strip()}

    def have(dn):
        return dn.lower() in existing

    structure = []
    ous = ["OU=School", "OU=Pupils,OU=School", "OU=Staff,OU=School", "OU=Supply,OU=School",
           "OU=Generic,OU=School", "OU=Leavers,OU=School"] + \
          [f"OU=Year {y},OU=Pupils,OU=School" for y in YEARS]
    for ou in ous:
        if not have(f"{ou},{base}"):
            structure += [f"dn: {ou},{base}", "objectClass: organizationalUnit", ""]
    for g in ["Pupils", "Staff", "Supply Staff", "Generic Accounts"] + [f"Year {y} Pupils" for y in YEARS]:
        dn = f"CN={g},OU=School,{base}"
        if not have(dn):
            structure += [f"dn: {dn}", "objectClass: group", f"sAMAccountName: {g.replace(' ', '')}", ""]

    nt = base64.b64encode(md4(password.encode("utf-16-le"))).decode()
    pwd_last_set = int((time.time() + 11644473600) * 10**7)
    users, by_year = [], {y: [] for y in YEARS}
    for i in range(n):
        given, sur = GIVEN[i % len(GIVEN)], SUR[(i // len(GIVEN)) % len(SUR)]
        year = YEARS[i % len(YEARS)]
        # sAMAccountName: at most 20 characters, the number kept whole so names stay unique
        stem = f"{ascii_user(given)[:8]}.{ascii_user(sur.replace(' ', ''))[:10]}"
        user = f"{stem[:20 - len(str(i))]}{i}"
        name = f"{given} {sur}"
        dn = f"CN={esc_rdn(name)} ({user}),OU=Year {year},OU=Pupils,OU=School,{base}"
        by_year[year].append(dn)
        users += [val("dn", dn), "objectClass: user", val("givenName", given), val("sn", sur),
                  val("displayName", name), f"sAMAccountName: {user}",
                  f"userPrincipalName: {user}@school.test", f"employeeID: B{i:06d}",
                  f"unicodePwd:: {nt}", f"pwdLastSet: {pwd_last_set}", "userAccountControl: 512", ""]

    members = [f"dn: CN=Pupils,OU=School,{base}", "changetype: modify", "add: member"]
    members += [val("member", dn) for y in YEARS for dn in by_year[y]]
    members += ["-", ""]
    for y in YEARS:
        members += [f"dn: CN=Year {y} Pupils,OU=School,{base}", "changetype: modify", "add: member"]
        members += [val("member", dn) for dn in by_year[y]]
        members += ["-", ""]

    for suffix, lines in (("structure", structure), ("users", users), ("members", members)):
        with open(f"{prefix}-{suffix}.ldif", "w", encoding="utf-8") as f:
            f.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
