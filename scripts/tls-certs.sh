#!/usr/bin/env bash
# tls-certs.sh — a throwaway certificate authority for a local raftkv cluster (openssl only).
#
#   scripts/tls-certs.sh ca DIR                  make DIR/ca.pem and DIR/ca-key.pem (EC P-256, 10 years) unless they exist
#   scripts/tls-certs.sh member DIR ID [--expired] [--days N]   DIR/node<ID>.pem + DIR/node<ID>-key.pem, signed by DIR's CA
#   scripts/tls-certs.sh gateway DIR [--days N]  DIR/gateway.pem + DIR/gateway-key.pem
#   scripts/tls-certs.sh client DIR NAME         DIR/NAME.pem + DIR/NAME-key.pem: a certificate of this CA that names no member
#   scripts/tls-certs.sh other-ca DIR            DIR/other/ca.pem + a member-1 certificate DIR/other/node1.pem(+ -key) signed by a DIFFERENT CA (for tests of "wrong CA")
#
# A member's certificate names it by the URI urn:raftkv:member:<ID> (and localhost, 127.0.0.1);
# it serves both as the TLS server and as the TLS client between peers. Certificates are valid
# for 825 days unless --days N says otherwise; --expired makes one whose validity lies entirely
# in the past (2020-01-01 to 2020-01-02). Keys are PKCS#8 PEM, mode 600. Every file is written
# under a temporary name and renamed into place (the key first, then the certificate), so a node
# that reloads its files never reads half of one; running 'member DIR ID' again replaces that
# member's certificate and key, which is how one is rotated.
set -euo pipefail

PROG=tls-certs.sh
DEFAULT_DAYS=825
CA_DAYS=3650

usage() { echo "usage:"; sed -n '4,8s/^# //p' "$0"; }
bad_usage() { [[ -z ${1:-} ]] || echo "$PROG: $1" >&2; usage >&2; exit 2; }
die() { echo "$PROG: $*" >&2; exit 1; }

command -v openssl >/dev/null 2>&1 \
  || die "openssl is missing: install it (Debian: apt-get install openssl)"

# Temporary files: a work directory outside DIR (configs, CSRs, the 'openssl ca' database) and
# the half-written outputs inside DIR; whatever is left of them goes when the script ends.
WORK=""
PENDING=()
cleanup() {
  [[ -z $WORK ]] || rm -rf "$WORK"
  ((${#PENDING[@]} == 0)) || rm -f "${PENDING[@]}"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
# (not in a subshell: these set variables of the script)
work() { [[ -n $WORK ]] || WORK=$(mktemp -d "${TMPDIR:-/tmp}/tls-certs.XXXXXX"); }

# tmp_in DIR NAME: TMP := a new empty file (mode 600) in DIR, to be renamed to DIR/NAME later
tmp_in() {
  TMP=$(mktemp "$1/.$2.XXXXXX")
  PENDING+=("$TMP")
}

new_key() { # new_key FILE: an EC P-256 key, PKCS#8 PEM, mode 600
  (umask 077 && openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null) \
    || die "openssl could not make a key"
  chmod 600 "$1"
}

serial() { echo "0x$(openssl rand -hex 16)"; }
not_after() { openssl x509 -noout -enddate -in "$1" | sed -e 's/^notAfter=//' -e 's/  */ /g'; }

# conf SAN: CFG := a minimal openssl configuration (none of the system's openssl.cnf is used) with the
# extensions of a CA ([ca_ext]) and of a leaf naming SAN ([leaf]), and a database for 'openssl ca'.
conf() {
  work
  local db="$WORK/db"
  mkdir -p "$db/new"
  : > "$db/index.txt"
  openssl rand -hex 16 > "$db/serial"
  cat > "$WORK/openssl.cnf" <<CNF
[ req ]
distinguished_name = req_dn
prompt = no
[ req_dn ]
CN = unused
[ ca_ext ]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
[ leaf ]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = serverAuth,clientAuth
subjectAltName = ${1:-DNS:localhost}
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid,issuer
[ ca ]
default_ca = local_ca
[ local_ca ]
database = $db/index.txt
serial = $db/serial
new_certs_dir = $db/new
default_md = sha256
policy = any_name
unique_subject = no
email_in_dn = no
copy_extensions = none
[ any_name ]
commonName = supplied
CNF
  CFG=$WORK/openssl.cnf
}

check_dir_name() { [[ -n $1 ]] || bad_usage "DIR is empty"; }

cmd_ca() {
  local dir=$1 key cert
  check_dir_name "$dir"
  if [[ -f $dir/ca.pem && -f $dir/ca-key.pem ]]; then return 0; fi
  [[ ! -e $dir/ca.pem && ! -e $dir/ca-key.pem ]] \
    || die "$dir holds only one of ca.pem and ca-key.pem: remove it to make a new CA (every certificate it signed goes with it)"
  mkdir -p "$dir"
  conf
  tmp_in "$dir" ca-key.pem; key=$TMP
  tmp_in "$dir" ca.pem; cert=$TMP
  new_key "$key"
  openssl req -new -x509 -config "$CFG" -key "$key" -subj "/CN=raftkv local CA $(openssl rand -hex 8)" \
      -days "$CA_DAYS" -set_serial "$(serial)" -sha256 -extensions ca_ext -out "$cert" 2>"$WORK/err" \
    || die "openssl could not make the CA: $(cat "$WORK/err")"
  chmod 644 "$cert"
  mv -f "$key" "$dir/ca-key.pem"
  mv -f "$cert" "$dir/ca.pem"
  echo "wrote $dir/ca-key.pem (the CA's key)"
  echo "wrote $dir/ca.pem (CA, valid until $(not_after "$dir/ca.pem"))"
}

# leaf DIR NAME CN SAN DAYS EXPIRED WHAT: DIR/NAME.pem and DIR/NAME-key.pem, signed by DIR's CA
leaf() {
  local dir=$1 name=$2 cn=$3 san=$4 days=$5 expired=$6 what=$7 key cert
  check_dir_name "$dir"
  [[ -f $dir/ca.pem && -f $dir/ca-key.pem ]] \
    || die "no CA in $dir (ca.pem and ca-key.pem): run '$0 ca $dir' first"
  conf "$san"
  tmp_in "$dir" "$name-key.pem"; key=$TMP
  tmp_in "$dir" "$name.pem"; cert=$TMP
  new_key "$key"
  openssl req -new -config "$CFG" -key "$key" -subj "/CN=$cn" -out "$WORK/$name.csr" 2>"$WORK/err" \
    || die "openssl could not make a request for $name: $(cat "$WORK/err")"
  if ((expired)); then
    # 'openssl x509 -req' (3.0) cannot date a certificate in the past; 'openssl ca' can
    openssl ca -batch -notext -config "$CFG" -cert "$dir/ca.pem" -keyfile "$dir/ca-key.pem" \
        -startdate 20200101000000Z -enddate 20200102000000Z -extensions leaf \
        -in "$WORK/$name.csr" -out "$cert" >"$WORK/err" 2>&1 \
      || die "openssl could not sign $name: $(cat "$WORK/err")"
  else
    openssl x509 -req -in "$WORK/$name.csr" -CA "$dir/ca.pem" -CAkey "$dir/ca-key.pem" \
        -set_serial "$(serial)" -days "$days" -sha256 -extfile "$CFG" -extensions leaf \
        -out "$cert" >"$WORK/err" 2>&1 \
      || die "openssl could not sign $name: $(cat "$WORK/err")"
  fi
  chmod 644 "$cert"
  mv -f "$key" "$dir/$name-key.pem"
  mv -f "$cert" "$dir/$name.pem"
  echo "wrote $dir/$name-key.pem (its key)"
  echo "wrote $dir/$name.pem ($what, valid until $(not_after "$dir/$name.pem"))"
}

# options OPTS...: --days N and (if allowed) --expired, into DAYS and EXPIRED
DAYS=$DEFAULT_DAYS
EXPIRED=0
options() {
  local allow_expired=$1 days_given=0
  shift
  while (($#)); do
    case $1 in
      --days)
        [[ $# -ge 2 && $2 =~ ^[1-9][0-9]{0,5}$ ]] || bad_usage "--days takes a number of days, at least 1"
        DAYS=$2; days_given=1; shift 2 ;;
      --days=*)
        set -- --days "${1#--days=}" "${@:2}" ;;
      --expired)
        ((allow_expired)) || bad_usage "--expired is for 'member' only"
        EXPIRED=1; shift ;;
      *) bad_usage "unknown argument '$1'" ;;
    esac
  done
  ((!(EXPIRED && days_given))) || bad_usage "--expired and --days do not go together (an expired certificate is dated 2020-01-01 to 2020-01-02)"
}

case ${1:-} in
  ca)
    (($# == 2)) || bad_usage
    cmd_ca "$2" ;;
  member)
    (($# >= 3)) || bad_usage
    [[ $3 =~ ^[1-9][0-9]*$ ]] || bad_usage "a member id is a number from 1, got '$3'"
    options 1 "${@:4}"
    what="member $3"
    ((!EXPIRED)) || what+=", expired"
    leaf "$2" "node$3" "raftkv member $3" "URI:urn:raftkv:member:$3, DNS:localhost, IP:127.0.0.1" \
      "$DAYS" "$EXPIRED" "$what" ;;
  gateway)
    (($# >= 2)) || bad_usage
    options 0 "${@:3}"
    leaf "$2" gateway "raftkv gateway" "DNS:localhost, IP:127.0.0.1" "$DAYS" 0 gateway ;;
  client)
    (($# == 3)) || bad_usage
    [[ $3 =~ ^[A-Za-z0-9][A-Za-z0-9._-]*$ ]] || bad_usage "NAME may hold letters, digits, '.', '_' and '-', got '$3'"
    [[ $3 != ca && $3 != gateway && ! $3 =~ ^node[0-9]+$ && $3 != *-key ]] \
      || bad_usage "'$3' would overwrite the CA's, the gateway's or a member's files: pick another NAME"
    leaf "$2" "$3" "raftkv client $3" "DNS:localhost, IP:127.0.0.1" "$DEFAULT_DAYS" 0 "client $3, names no member" ;;
  other-ca)
    (($# == 2)) || bad_usage
    check_dir_name "$2"
    cmd_ca "$2/other"
    leaf "$2/other" node1 "raftkv member 1" "URI:urn:raftkv:member:1, DNS:localhost, IP:127.0.0.1" \
      "$DEFAULT_DAYS" 0 "member 1, signed by the other CA" ;;
  help | -h | --help) usage ;;
  *) bad_usage ;;
esac
