# shellcheck shell=bash
# Sourced by the bench scripts after they set `cfg` (a schooltech.toml from seed_ad.sh or
# seed_ldap.sh): reads the connection settings and sets, for the config's flavour,
#   flavour      active-directory | openldap
#   attrs        the account attributes schooltech's backend requests (space-separated)
#   person       the filter it lists accounts with
#   bench_filter the bench pupils (MIS id B...)
#   mis          the MIS id attribute
val() { sed -n "s/^$1 *= *\"\\(.*\\)\"/\\1/p" "$cfg" | head -n1; }
url=$(val url) bind=$(val bind_dn) base=$(val base_dn) pwfile=$(val bind_password_file) ca=$(val ca_cert)
flavour=$(val flavour)
mis=$(val mis_id_attribute)
if [ "$flavour" = openldap ]; then
  mis=${mis:-employeeNumber}
  # src/directory/openldap.rs: ACCOUNT_ATTRS + the MIS attribute, PERSON_FILTER
  attrs="uid cn displayName givenName sn description pwdChangedTime pwdAccountLockedTime pwdReset pwdPolicySubentry pwdLastSuccess pwdEndTime shadowExpire createTimestamp memberOf $mis"
  person='(&(uid=*)(|(objectClass=inetOrgPerson)(objectClass=posixAccount)(objectClass=account)))'
  bench_filter="(&$person($mis=B*))"
else
  mis=${mis:-employeeID}
  attrs="sAMAccountName displayName givenName sn userAccountControl msDS-User-Account-Control-Computed lockoutTime pwdLastSet msDS-UserPasswordExpiryTimeComputed lastLogonTimestamp whenCreated accountExpires memberOf description employeeID"
  person='(&(objectCategory=person)(objectClass=user))'
  bench_filter='(&(objectCategory=person)(objectClass=user)(employeeID=B*))'
fi
if [ "$flavour" = openldap ]; then user_attr=uid; else user_attr=sAMAccountName; fi
