#!/bin/sh
# Makes the TLS files for the dog tracker's Mosquitto broker with openssl:
#   - a private CA (ca.key, ca.crt), made once and reused, so certificates made later still verify;
#   - the broker's certificate (server.key, server.crt) for the hub's host names and IP addresses;
#   - optional client certificates (<name>.key, <name>.crt), one per -c, with CN = the MQTT user name.
#
# Usage: make-certs.sh [-o DIR] [-d DAYS] [-c CLIENT]... HOST [HOST-OR-IP]...
#   make-certs.sh -o /etc/mosquitto/dogtracker/certs hub.local hub 10.42.0.1
#   make-certs.sh -o /etc/mosquitto/dogtracker/certs -c pi-yard-ne -c pi-yard-sw hub.local 10.42.0.1
#
# Copy ca.crt (never ca.key) to every Pi and phone: they verify the broker with it. Keep ca.key offline
# or at least readable by root only; whoever has it can mint certificates the broker trusts.
set -eu

out=./certs
days=825          # server and client certificates (the longest that Apple devices accept)
ca_days=3650
clients=""

usage() {
  sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//' >&2
  exit 2
}

while getopts "o:d:c:h" opt; do
  case "$opt" in
    o) out=$OPTARG ;;
    d) days=$OPTARG ;;
    c) clients="$clients $OPTARG" ;;
    *) usage ;;
  esac
done
shift $((OPTIND - 1))
[ $# -ge 1 ] || usage
command -v openssl >/dev/null 2>&1 || { echo "make-certs.sh: openssl is not installed (apt-get install openssl)" >&2; exit 1; }

for client in $clients; do
  case "$client" in
    '' | *[!A-Za-z0-9._-]* | .*) echo "make-certs.sh: a client name is letters, digits, '.', '_' or '-': not '$client'" >&2; exit 2 ;;
  esac
done
case "$days" in '' | *[!0-9]*) echo "make-certs.sh: -d needs a number of days, not '$days'" >&2; exit 2 ;; esac

# Names and IP addresses the broker is reached by: every argument goes into the subjectAltName, which is
# what clients check (the CN is ignored by current TLS clients).
server_cn=$1
san=""
for name in "$@"; do
  case "$name" in
    *[!0-9.]*)
      case "$name" in
        *:*) entry="IP:$name" ;;   # IPv6 address
        *) entry="DNS:$name" ;;
      esac
      ;;
    *) entry="IP:$name" ;;         # IPv4 address: digits and dots only
  esac
  san="${san:+$san,}$entry"
done

umask 077
mkdir -p "$out"
cd "$out"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

if [ -f ca.key ] && [ -f ca.crt ]; then
  echo "using the existing CA in $(pwd)/ca.crt"
else
  openssl req -x509 -new -nodes -newkey rsa:3072 -sha256 -days "$ca_days" \
    -keyout ca.key -out ca.crt -subj "/CN=Dog tracker CA/O=node-red-contrib-dog-tracker" \
    -addext "basicConstraints=critical,CA:TRUE,pathlen:0" \
    -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
  echo "made the CA: $(pwd)/ca.crt"
fi

# sign NAME SUBJECT EXTENSIONS: a 2048-bit RSA key (quick enough for a Pi Zero W) and a certificate
# signed by the CA with the given X.509v3 extensions.
sign() {
  printf '%s\n' "$3" >"$tmp/$1.ext"
  openssl req -new -nodes -newkey rsa:2048 -sha256 -keyout "$1.key" -out "$tmp/$1.csr" -subj "$2" 2>/dev/null
  openssl x509 -req -in "$tmp/$1.csr" -CA ca.crt -CAkey ca.key -CAcreateserial -sha256 -days "$days" \
    -extfile "$tmp/$1.ext" -out "$1.crt" 2>/dev/null
  openssl verify -CAfile ca.crt "$1.crt" >/dev/null
}

sign server "/CN=$server_cn" "basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=serverAuth
subjectAltName=$san"
echo "made the broker certificate: $(pwd)/server.crt for $san"

for client in $clients; do
  sign "$client" "/CN=$client" "basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=clientAuth"
  echo "made a client certificate: $(pwd)/$client.crt (CN=$client)"
done

# Public parts readable by all; keys by the owner only (chown them to the user that reads them).
chmod 644 ca.crt server.crt
for client in $clients; do chmod 644 "$client.crt"; done
