#!/usr/bin/env python3
"""Generates the demo school that `schooltech --demo` loads.

    python3 scripts/gen-demo-ldif.py > src/directory/demo/school.ldif

The output is an Active Directory-shaped LDIF export of an imaginary secondary school
(DC=demo,DC=school): about 600 pupils in Year 7..Year 11, 80 staff, supply, generic,
leaver and IT admin accounts, and the groups they belong to. It is deterministic (seeded):
running it again gives the same file byte for byte.

Every timestamp is written relative to REFERENCE (the `# reference-date:` header). When the
demo loads the file it moves every FILETIME and GeneralizedTime by (today - reference date),
so "last logon 3 days ago" stays 3 days ago whenever the demo is run.
"""

import base64
import datetime as dt
import random
import re
import sys
import unicodedata

REFERENCE = dt.datetime(2026, 11, 25, 12, 0, 0, tzinfo=dt.timezone.utc)
BASE = "DC=demo,DC=school"
SCHOOL = "OU=School," + BASE
GROUPS_OU = "OU=Groups," + SCHOOL
NEVER = 9223372036854775807  # FILETIME "never" (accountExpires, expiry of non-expiring)
MAX_PWD_AGE_DAYS = 42  # Samba's default; the demo recomputes expiry from its own policy
FILETIME_EPOCH_OFFSET = 11644473600

NORMAL = 0x200
DISABLED = 0x2
DONT_EXPIRE = 0x10000

rng = random.Random(20261125)

# ---------------------------------------------------------------- names

BOYS = """Oliver Jack Harry George Noah Leo Oscar Charlie Jacob Alfie Freddie Arthur Thomas
William Joshua James Henry Ethan Archie Isaac Theo Max Lucas Mohammed Muhammad Ibrahim Yusuf
Aarav Arjun Kacper Jakub Filip Ciarán Seán Oisín Rhys Dylan Callum Kai Reuben Finley Riley
Louie Toby Tyler Kyle Liam Connor Jayden Tomasz Mateo José Olamide Tobi Kwame Hamza Zain
Ayaan Rory Euan Lewis Samuel Daniel Benjamin Edward Joseph Harrison Mason Elliot Ollie Stanley
Albert Bobby Tommy Ronnie Jude Caleb Ezra Hugo Felix Rowan Nathan Aiden Brandon Kieran Declan
Emeka Chinedu Adam Ali Omar Bilal Rayan Krish Dev Ravi Aleksander Mikołaj Szymon Luca Marco""".split()
GIRLS = """Olivia Amelia Isla Ava Mia Ivy Lily Isabella Rosie Sophia Grace Freya Poppy Evie Ella
Willow Florence Emily Sienna Ruby Chloé Zoë Renée Siân Aoife Niamh Saoirse Ffion Megan Amira
Aisha Fatima Maryam Zainab Priya Ananya Zuzanna Julia Maja Amelie Hannah Leah Jessica Lucy
Holly Erin Caitlin Eleanor Matilda Imogen Phoebe Esme Bethany Chantelle Precious Ifeoma
Chidera Mei Linh Ana Harriet Alice Charlotte Daisy Elsie Maisie Millie Lola Nancy Ellie Layla
Eva Darcey Scarlett Georgia Katie Molly Abigail Alexandra Aaliyah Hafsa Khadija Noor Inaaya
Simran Anjali Kinga Wiktoria Oliwia Gabriela Naomi Tia Kayla Shannon Courtney Jade Keira
Nia Rhiannon Cerys Eilidh Kirsty Roisin Orla Clodagh Bláithín Léa Inès""".split()
SURNAMES = """Smith Smith Smith Jones Jones Williams Taylor Brown Brown Davies Evans Wilson Thomas
Johnson Roberts Robinson Thompson Wright Walker White Edwards Hughes Green Hall Lewis Harris
Clarke Patel Patel Jackson Wood Turner Martin Cooper Hill Ward Morris Moore Clark Lee King Baker
Harrison Morgan Allen James Scott Phillips Watson Davis Parker Price Bennett Young Griffiths
Mitchell Kelly Cook Carter Richardson Bailey Collins Bell Shaw Murphy Miller Cox Richards Khan
Khan Marshall Anderson Simpson Ellis Adams Singh Singh Begum Wilkinson Foster Chapman Powell
Webb Rogers Gray Mason Ali Hunt Hussain Campbell Matthews Owen Palmer Holmes Mills Barnes
Knight Lloyd Butler Russell Barker Fisher Stevens Jenkins Murray Dixon Harvey Graham Pearson
Ahmed Fletcher Walsh Kaur Gibson Howard Andrews Stewart Elliott Reynolds Saunders Payne Fox
Ford Pearce Day Brooks West Lawrence Cole Atkinson Bradley Spencer Gill Dawson Ball Burton
O'Brien Watts Rose Booth Perry Ryan Grant Wells Armstrong Francis Rees Hayes Hart Hudson
Newman Barrett Webster Hunter Gregory Carr Lowe Page Marsh Riley Dunn Woods Parsons Berry
Stone Reid Holland Hawkins Harding Porter Robertson Newton Oliver Reed Kennedy Williamson Bird
Gardner Shah Dean Lane Cooke Bates Henderson Parry Burgess Bishop Walton Burns Nicholson
Shepherd Ross Cross Long Freeman Warren Nicholls Hamilton Byrne Sutton McDonald Yates Hodgson
Robson Curtis Hopkins O'Neill O'Connor D'Arcy Lloyd-Webber Smith-Jones Ashworth-Brown Müller
Nowak Kowalski Wiśniewski Lewandowski Okafor Adeyemi Okonkwo Mensah Nguyen Chen Wong
Fernández McAllister MacLeod Ó_Súilleabháin McCarthy O'Sullivan Mahmood Chaudhry Rahman Iqbal
Kowalczyk Popescu Silva Santos Costa Rossi Bianchi Kaya Yilmaz Dimitrov""".split()
SURNAMES = [s.replace("_", " ") for s in SURNAMES]

STAFF_TITLES = """Teacher of English|Teacher of English|Teacher of Maths|Teacher of Maths|
Teacher of Science|Teacher of Science|Teacher of History|Teacher of Geography|Teacher of French|
Teacher of Spanish|Teacher of Art|Teacher of Music|Teacher of PE|Teacher of PE|Teacher of Computing|
Teacher of RE|Teacher of Drama|Teacher of Design & Technology|Teaching Assistant|Teaching Assistant|
Teaching Assistant|Learning Support Assistant|SENCo|Head of Year 7|Head of Year 8|Head of Year 9|
Head of Year 10|Head of Year 11|Exams Officer|Data Manager|Receptionist|Finance Officer|
Site Manager|Cleaner|Librarian|Cover Supervisor|Attendance Officer|School Business Manager|
Lab Technician|Catering Manager""".replace("\n", "").split("|")

TRANSLIT = str.maketrans({"ł": "l", "Ł": "L", "ø": "o", "ß": "ss", "æ": "ae"})


def ascii_fold(s):
    s = s.translate(TRANSLIT)
    s = unicodedata.normalize("NFKD", s)
    return "".join(c for c in s if c.isascii())


def login_part(s):
    """What a name contributes to a username: ASCII letters only, lower case."""
    return "".join(c for c in ascii_fold(s).lower() if c.isalnum())


# ---------------------------------------------------------------- LDIF writing


def rdn_value(v):
    """RFC 4514 escaping, as src/directory/escape.rs rdn_value does it."""
    out = []
    n = len(v)
    for i, c in enumerate(v):
        if c in ',+"\\<>;=':
            out.append("\\" + c)
        elif c == "#" and i == 0:
            out.append("\\#")
        elif c == " " and (i == 0 or i + 1 == n):
            out.append("\\ ")
        else:
            out.append(c)
    return "".join(out)


def safe(v):
    if v == "":
        return True
    if not v.isascii() or any(c in v for c in "\0\r\n"):
        return False
    if v[0] in " :<" or v[-1] == " ":
        return False
    return True


def fold(line, width=76):
    if len(line) <= width:
        return line
    parts = [line[:width]]
    rest = line[width:]
    while rest:
        parts.append(" " + rest[: width - 1])
        rest = rest[width - 1 :]
    return "\n".join(parts)


def attr_line(name, value):
    value = str(value)
    if safe(value):
        return fold(f"{name}: {value}")
    enc = base64.b64encode(value.encode("utf-8")).decode("ascii")
    return fold(f"{name}:: {enc}")


def record(dn, attrs):
    lines = [attr_line("dn", dn)]
    for name, values in attrs:
        if values is None:
            continue
        if not isinstance(values, list):
            values = [values]
        for v in values:
            lines.append(attr_line(name, v))
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------- time


def filetime(t):
    return (int(t.timestamp()) + FILETIME_EPOCH_OFFSET) * 10_000_000


def gtime(t):
    return t.strftime("%Y%m%d%H%M%S") + ".0Z"


def ago(days, hour=None):
    """A moment `days` days before the reference date, during the school day."""
    if hour is None:
        hour = rng.randint(7, 16)
    d = REFERENCE.replace(hour=hour, minute=rng.randint(0, 59), second=rng.randint(0, 59))
    return d - dt.timedelta(days=days)


def ahead(days, hour=17):
    return REFERENCE.replace(hour=hour, minute=0, second=0) + dt.timedelta(days=days)


def days_before_ref(t):
    return (REFERENCE - t).days


# ---------------------------------------------------------------- the school

users = []  # dicts, written in order
used_logins = set()
used_mis = set()
dns = set()
group_members = {}  # group cn -> [user dn]


def unique_login(stem):
    login, n = stem, 2
    while login.lower() in used_logins:
        login = f"{stem}{n}"
        n += 1
    used_logins.add(login.lower())
    return login


def mis(prefix):
    while True:
        v = f"{prefix}{rng.randint(0, 99999):05d}"
        if v not in used_mis:
            used_mis.add(v)
            return v


def add_user(
    ou,
    cn,
    login,
    given,
    sn,
    display,
    uac=NORMAL,
    pwd=None,  # datetime, or 0 for "must change"
    logon=None,
    created=None,
    expires=None,  # datetime, NEVER or 0
    groups=(),
    description=None,
    mis_id=None,
    locked_at=None,
):
    base_cn, n = cn, 2
    dn = f"CN={rdn_value(cn)},{ou}"
    while dn.lower() in dns:
        cn = f"{base_cn} ({n})"
        n += 1
        dn = f"CN={rdn_value(cn)},{ou}"
    dns.add(dn.lower())
    if expires is None:
        expires = rng.choice([0, NEVER])
    u = dict(
        dn=dn,
        cn=cn,
        login=login,
        given=given,
        sn=sn,
        display=display,
        uac=uac,
        pwd=pwd,
        logon=logon,
        created=created,
        expires=expires,
        groups=list(groups),
        description=description,
        mis=mis_id,
        locked_at=locked_at,
    )
    users.append(u)
    for g in groups:
        group_members.setdefault(g, []).append(dn)
    return u


def user_record(u):
    pwd = u["pwd"]
    pwd_ft = 0 if pwd == 0 else filetime(pwd)
    if u["uac"] & DONT_EXPIRE:
        expiry = NEVER
    elif pwd_ft == 0:
        expiry = 0
    else:
        expiry = filetime(pwd + dt.timedelta(days=MAX_PWD_AGE_DAYS))
    exp = u["expires"]
    exp_v = exp if isinstance(exp, int) else filetime(exp)
    attrs = [
        ("objectClass", ["top", "person", "organizationalPerson", "user"]),
        ("cn", u["cn"]),
        ("sn", u["sn"]),
        ("givenName", u["given"]),
        ("displayName", u["display"]),
        ("description", u["description"]),
        ("sAMAccountName", u["login"]),
        ("employeeID", u["mis"]),
        ("userAccountControl", u["uac"]),
        ("pwdLastSet", pwd_ft),
        ("msDS-UserPasswordExpiryTimeComputed", expiry),
        ("lastLogonTimestamp", filetime(u["logon"]) if u["logon"] else None),
        ("lockoutTime", filetime(u["locked_at"]) if u["locked_at"] else None),
        ("accountExpires", exp_v),
        ("whenCreated", gtime(u["created"])),
        ("memberOf", [f"CN={rdn_value(g)},{GROUPS_OU}" for g in u["groups"]]),
    ]
    return record(u["dn"], attrs)


def person(gender=None):
    if gender is None:
        gender = rng.choice("bg")
    given = rng.choice(BOYS if gender == "b" else GIRLS)
    return given, rng.choice(SURNAMES)


def pupil_state(year, intake, created):
    """Password, logon and flags for an ordinary pupil."""
    since_created = days_before_ref(created)
    uac = NORMAL
    r = rng.random()
    if year == 7 and r < 0.08:
        return dict(uac=uac, pwd=0, logon=None)  # never used: still on the starter password
    if rng.random() < 0.10:
        uac |= DONT_EXPIRE
    if rng.random() < 0.02:
        uac |= DISABLED
    if year == 7:
        pwd_days = rng.randint(since_created - 12, since_created - 2)
    else:
        pwd_days = min(int(rng.triangular(3, 400, 60)), since_created - 2)
    r = rng.random()
    if year > 7 and r < 0.035:
        # stale: has not logged on for 200+ days (left without telling anyone, long absence)
        logon_days = rng.randint(200, min(420, since_created - 1))
        pwd_days = max(pwd_days, logon_days + rng.randint(1, 60))
        pwd_days = min(pwd_days, since_created - 1)
    else:
        logon_days = min(rng.choice([0, 0, 1, 1, 2, 3, 4, 6, 8, 11, 14, 19]), pwd_days)
    pwd = ago(pwd_days)
    if rng.random() < 0.03:
        pwd = 0  # reset by a teacher with "must change at next logon"
    return dict(uac=uac, pwd=pwd, logon=ago(logon_days))


def build():
    # ---- pupils
    tutor_letters = "ABCDE"
    # Planted pupils: (year, given, surname, note)
    planted = {
        7: [("Renée", "Müller"), ("Zoë", "Nowak")],
        8: [("Dáithí", "Ó Súilleabháin"), ("Poppy", "Lloyd-Webber")],
        9: [("Jack", "Smith"), ("Jack", "Smith"), ("Bláithín", "D'Arcy")],
        10: [("Siobhan", "O'Neill"), ("Connor", "O'Neill"), ("Zuzanna", "Wiśniewski")],
        11: [("Chloé", "Fernández"), ("Mikołaj", "Kowalczyk")],
    }
    sizes = {7: 122, 8: 119, 9: 121, 10: 118, 11: 120}
    for year in range(7, 12):
        intake = 2026 - (year - 7)
        ou = f"OU=Year {year},OU=Pupils,{SCHOOL}"
        people = list(planted[year])
        while len(people) < sizes[year]:
            people.append(person())
        rng.shuffle(people)
        for given, sn in people:
            created = dt.datetime(intake, 8, 28, 9, 0, 0, tzinfo=dt.timezone.utc) + dt.timedelta(
                days=rng.randint(0, 6), minutes=rng.randint(0, 400)
            )
            st = pupil_state(year, intake, created)
            login = unique_login(f"{intake % 100:02d}{login_part(sn)}{login_part(given)[:1]}")
            add_user(
                ou,
                f"{given} {sn}",
                login,
                given,
                sn,
                f"{given} {sn}",
                uac=st["uac"],
                pwd=st["pwd"],
                logon=st["logon"],
                created=created,
                groups=["Pupils", f"Year {year}"],
                description=f"Tutor group {year}{rng.choice(tutor_letters)}",
                mis_id=mis("P1") if rng.random() < 0.96 else None,
            )

    # a couple of locked-out pupils (too many wrong guesses this morning)
    year8 = [u for u in users if "OU=Year 8," in u["dn"] and u["uac"] == NORMAL and u["pwd"] != 0]
    year10 = [u for u in users if "OU=Year 10," in u["dn"] and u["uac"] == NORMAL and u["pwd"] != 0]
    for u in (year8[3], year10[5]):
        u["locked_at"] = ago(0, hour=9)
        u["logon"] = ago(1)

    # ---- staff
    staff_ou = f"OU=Staff,{SCHOOL}"
    specials = [
        # given, surname, title, state
        ("Margaret", "Holloway", "Headteacher", "neverexpires"),
        ("Sam", "Patel", "IT Technician", "normal"),
        ("Eleanor", "D'Arcy", "Deputy Headteacher", "normal"),
        ("Liam", "O'Connor", "Teacher of Maths", "locked"),
        ("Jack", "Smith", "Teacher of PE", "normal"),
        ("Renée", "Dubois", "Teacher of French", "normal"),
        ("Hannah", "Lloyd-Webber", "Teacher of Music", "stale"),  # maternity leave
        ("Gareth", "Rees", "Teacher of Geography", "stale"),  # left in the spring, never moved
        ("Priya", "Chaudhry", "Teacher of Science", "newstarter"),
        ("Tomasz", "Kowalski", "Cover Supervisor", "newstarter"),
        ("Bernard", "Oakes", "Site Manager", "disabled"),
        ("Fiona", "McAllister", "SENCo", "neverexpires"),
        ("Kwame", "Mensah", "Teacher of Computing", "oldpassword"),
        ("Yvonne", "Ashworth-Brown", "School Business Manager", "neverexpires"),
    ]
    staff_people = [(g, s, t, st) for g, s, t, st in specials]
    while len(staff_people) < 79:
        g, s = person()
        staff_people.append((g, s, rng.choice(STAFF_TITLES), "normal"))
    for given, sn, title, state in staff_people:
        created = ago(rng.randint(60, 5400), hour=10)
        uac = NORMAL
        since = days_before_ref(created)
        pwd_days = min(int(rng.triangular(2, 400, 70)), since - 1)
        logon_days = min(rng.choice([0, 0, 0, 1, 1, 2, 3, 5, 7, 13]), pwd_days)
        locked = None
        if state == "normal" and rng.random() < 0.06:
            state = "neverexpires"
        if state == "neverexpires":
            uac |= DONT_EXPIRE
            pwd_days = min(rng.randint(500, 1900), since - 1)
        elif state == "oldpassword":
            uac |= DONT_EXPIRE
            pwd_days = min(2100, since - 1)
        elif state == "stale":
            logon_days = rng.randint(210, 320)
            pwd_days = logon_days + rng.randint(5, 40)
            created = ago(pwd_days + rng.randint(300, 2000))
        elif state == "disabled":
            uac |= DISABLED
            logon_days = rng.randint(40, 90)
            pwd_days = logon_days + 20
        elif state == "locked":
            locked = ago(0, hour=8)
        pwd = ago(pwd_days)
        logon = ago(logon_days)
        if state == "newstarter":
            created = ago(rng.randint(1, 4), hour=15)
            pwd, logon = 0, None
        add_user(
            staff_ou,
            f"{given} {sn}",
            unique_login(f"{login_part(given)[:1]}{login_part(sn)}"),
            given,
            sn,
            f"{given} {sn}",
            uac=uac,
            pwd=pwd,
            logon=logon,
            created=created,
            groups=["Staff"],
            description=title if state != "disabled" else f"{title} - long-term absence",
            mis_id=mis("S2") if rng.random() < 0.92 else None,
            locked_at=locked,
        )
    # A hostile name from the previous technician's "Surname, Given" habit.
    add_user(
        staff_ou,
        "Doe, John",
        unique_login("jdoe"),
        "John",
        "Doe",
        "Doe, John",
        pwd=ago(250),
        logon=ago(2),
        created=ago(2900),
        groups=["Staff"],
        description="Teacher of Maths",
        mis_id=mis("S2"),
    )

    # ---- IT admin accounts (separate admin logons for the IT staff)
    admins_ou = f"OU=IT Admins,{SCHOOL}"
    for given, sn, desc in [
        ("Sam", "Patel", "IT Technician (admin account)"),
        ("Nadia", "Brown", "Network Manager, Trust IT (admin account)"),
    ]:
        add_user(
            admins_ou,
            f"{given} {sn} (Admin)",
            unique_login(f"adm-{login_part(given)[:1]}{login_part(sn)}"),
            given,
            sn,
            f"{given} {sn} (Admin)",
            pwd=ago(rng.randint(10, 40)),
            logon=ago(0),
            created=ago(900),
            expires=NEVER,
            groups=["IT Admins"],
            description=desc,
        )

    # ---- supply staff: short-lived accounts, one already past its end date
    supply_ou = f"OU=Supply,{SCHOOL}"
    for given, sn, until, agency, used in [
        ("Karen", "Hughes", 2, "Teaching Personnel", True),
        ("Michael", "Okoro", 4, "Randstad Education", True),
        ("Rachel", "Finch", 7, "Teaching Personnel", False),
        ("Tom", "Baxter", 3, "Hays Education", True),
        ("Lowri", "Davies", -6, "Hays Education", True),
    ]:
        created = ago(abs(until) + rng.randint(5, 12), hour=8)
        add_user(
            supply_ou,
            f"{given} {sn} (Supply)",
            unique_login(f"sup-{login_part(given)[:1]}{login_part(sn)}"),
            given,
            sn,
            f"{given} {sn} (Supply)",
            pwd=0 if not used else created + dt.timedelta(minutes=30),
            logon=ago(max(0, -until + 1)) if used else None,
            created=created,
            expires=ahead(until),
            groups=["Supply Staff"],
            description=f"Supply cover via {agency}",  # no dates in text: they would not shift
            mis_id=None,
        )
    add_user(
        supply_ou,
        "Visitor 01",
        unique_login("visitor01"),
        "Visitor",
        "01",
        "Visitor 01",
        pwd=ago(1, hour=8),
        logon=ago(1),
        created=ago(400),
        expires=ahead(1),
        groups=["Supply Staff"],
        description="Guest logon for visiting speakers; renewed each visit",
    )

    # ---- generic / shared accounts
    generic_ou = f"OU=Generic,{SCHOOL}"
    for cn, login, desc, uac, pwd_days, logon_days in [
        ("Library Desk", "librarydesk", "Library issue desk PC", NORMAL | DONT_EXPIRE, 812, 0),
        ("Exam Room 1", "examroom1", "Exam access arrangements laptops", NORMAL | DONT_EXPIRE, 380, 9),
        ("Exam Room 2+3", "examroom23", "Mock exams, rooms 2 and 3", NORMAL, 35, 21),
        ("Reception Kiosk", "kiosk", "Visitor sign-in kiosk", NORMAL | DONT_EXPIRE, 1460, 0),
        ("Hall Display", "halldisplay", "Main hall signage screen", NORMAL | DONT_EXPIRE, 640, 0),
        ("Staff Room PC", "staffroom", "Shared PC in the staff room", NORMAL, 120, 1),
        ("Music Suite", "musicsuite", "Music suite Macs", NORMAL | DONT_EXPIRE | DISABLED, 700, 300),
        ("#Hash Code Club", "codeclub", "After-school coding club, Tuesdays", NORMAL, None, None),
    ]:
        created = ago(max(pwd_days or 0, 30) + rng.randint(10, 200), hour=11)
        add_user(
            generic_ou,
            cn,
            unique_login(login),
            None,
            None,
            cn,
            uac=uac,
            pwd=0 if pwd_days is None else ago(pwd_days),
            logon=None if logon_days is None else ago(logon_days),
            created=created,
            expires=NEVER,
            groups=["Generic Accounts"],
            description=desc,
        )

    # ---- leavers: last summer's Year 11 and a few staff, mostly disabled
    leavers_ou = f"OU=Leavers,{SCHOOL}"
    left = dt.datetime(2026, 7, 22, 15, 30, tzinfo=dt.timezone.utc)
    for i in range(26):
        given, sn = person()
        created = dt.datetime(2021, 9, 1, 9, 0, tzinfo=dt.timezone.utc) + dt.timedelta(
            minutes=rng.randint(0, 3000)
        )
        disabled = i >= 5
        logon = left - dt.timedelta(days=rng.randint(0, 40), hours=rng.randint(0, 5))
        add_user(
            leavers_ou,
            f"{given} {sn}",
            unique_login(f"21{login_part(sn)}{login_part(given)[:1]}"),
            given,
            sn,
            f"{given} {sn}",
            uac=NORMAL | (DISABLED if disabled else 0),
            pwd=logon - dt.timedelta(days=rng.randint(20, 200)),
            logon=logon,
            created=created,
            groups=[] if disabled else ["Pupils"],
            description="Left at the end of Year 11",
            mis_id=mis("P1"),
        )
    for given, sn, title in [
        ("Graham", "Whitfield", "Teacher of History"),
        ("Aisha", "Rahman", "Teaching Assistant"),
        ("Colin", "Burgess", "Teacher of Science"),
    ]:
        logon = left - dt.timedelta(days=rng.randint(0, 3))
        add_user(
            leavers_ou,
            f"{given} {sn}",
            unique_login(f"{login_part(given)[:1]}{login_part(sn)}"),
            given,
            sn,
            f"{given} {sn}",
            uac=NORMAL | DISABLED,
            pwd=logon - dt.timedelta(days=rng.randint(20, 300)),
            logon=logon,
            created=left - dt.timedelta(days=rng.randint(900, 4000)),
            groups=[],
            description=f"{title}, left in the summer",
            mis_id=mis("S2"),
        )

    # ---- built-in accounts every AD has (no role: not in a school OU)
    users_cn = f"CN=Users,{BASE}"
    add_user(
        users_cn,
        "Administrator",
        unique_login("Administrator"),
        None,
        None,
        None,
        uac=NORMAL | DONT_EXPIRE,
        pwd=ago(1200),
        logon=ago(5),
        created=ago(3000, hour=9),
        expires=0,
        description="Built-in account for administering the computer/domain",
    )
    add_user(
        users_cn,
        "Guest",
        unique_login("Guest"),
        None,
        None,
        None,
        uac=NORMAL | DONT_EXPIRE | DISABLED | 0x20,
        pwd=0,
        created=ago(3000, hour=9),
        expires=0,
        description="Built-in account for guest access to the computer/domain",
    )


def containers():
    out = []
    created = gtime(ago(3000, hour=9))
    out.append(
        record(
            BASE,
            [("objectClass", ["top", "domain", "domainDNS"]), ("dc", "demo"), ("whenCreated", created)],
        )
    )
    out.append(
        record(
            f"CN=Users,{BASE}",
            [
                ("objectClass", ["top", "container"]),
                ("cn", "Users"),
                ("description", "Default container for upgraded user accounts"),
            ],
        )
    )

    def ou(name, parent, desc):
        out.append(
            record(
                f"OU={rdn_value(name)},{parent}",
                [("objectClass", ["top", "organizationalUnit"]), ("ou", name), ("description", desc)],
            )
        )

    ou("School", BASE, "Demo Academy")
    ou("Pupils", SCHOOL, "Pupils on roll, by year group")
    for y in range(7, 12):
        ou(f"Year {y}", f"OU=Pupils,{SCHOOL}", f"Year {y} pupils")
    ou("Staff", SCHOOL, "Teaching and support staff")
    ou("Supply", SCHOOL, "Supply and visiting staff (accounts expire)")
    ou("Generic", SCHOOL, "Shared accounts for rooms and kiosks")
    ou("Leavers", SCHOOL, "Accounts of people who have left, awaiting deletion")
    ou("IT Admins", SCHOOL, "Separate admin logons for IT staff")
    ou("Groups", SCHOOL, "Security groups")
    return out


GROUPS = [
    ("Pupils", "All pupils on roll"),
    ("Staff", "All staff"),
    ("Supply Staff", "Supply and visiting staff"),
    ("Generic Accounts", "Shared room and kiosk accounts"),
    ("Year 7", "Year 7 pupils"),
    ("Year 8", "Year 8 pupils"),
    ("Year 9", "Year 9 pupils"),
    ("Year 10", "Year 10 pupils"),
    ("Year 11", "Year 11 pupils"),
    ("IT Admins", "IT staff admin logons"),
]


def group_records():
    out = []
    for cn, desc in GROUPS:
        out.append(
            record(
                f"CN={rdn_value(cn)},{GROUPS_OU}",
                [
                    ("objectClass", ["top", "group"]),
                    ("cn", cn),
                    ("sAMAccountName", cn),
                    ("description", desc),
                    ("member", group_members.get(cn, [])),
                ],
            )
        )
    return out


def main():
    build()
    parts = [
        "# reference-date: " + REFERENCE.strftime("%Y-%m-%d") + "\n"
        "# The schooltech demo school (DC=demo,DC=school), an Active Directory-shaped export.\n"
        "# Generated by scripts/gen-demo-ldif.py; edit the script, not this file.\n"
        "# Every timestamp is relative to the reference date above; the demo shifts them\n"
        "# by (today - reference date) when it loads, so the school looks the same any day.\n"
        "version: 1\n"
    ]
    parts += containers()
    parts += group_records()
    parts += [user_record(u) for u in users]
    sys.stdout.write("\n".join(parts))
    counts = {}
    for u in users:
        key = re.split(r"(?<!\\),", u["dn"])[1]
        counts[key] = counts.get(key, 0) + 1
    print(f"{len(users)} accounts: {counts}", file=sys.stderr)


if __name__ == "__main__":
    main()
