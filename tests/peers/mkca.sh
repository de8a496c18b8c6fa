#!/bin/sh
# mkca.sh OUTDIR — test PKI for the SMTP catcher (openssl CLI only).
#
# Writes into OUTDIR:
#   ca.pem ca.key            test CA (the daemon's trust anchor in tests)
#   server.pem server.key    server certificate for localhost, signed by the CA
#                            (SAN DNS:localhost, IP:127.0.0.1), chain = server.pem
#   rogue.pem rogue.key      self-signed certificate for localhost, signed by no CA:
#                            a client that verifies must refuse it
#   dnsonly.pem dnsonly.key  signed by the CA, SAN DNS:localhost only: refused by a
#                            client that connects to 127.0.0.1
#   other.pem other.key      signed by the CA for another server (SAN DNS:mail.example.org,
#                            IP:192.0.2.25): refused whether we connect by name or by IP
# Keys are EC P-256, certificates valid 30 days; existing files are overwritten.
set -eu

[ $# -eq 1 ] || { echo "usage: $0 OUTDIR" >&2; exit 2; }
out=$1
mkdir -p "$out"
cd "$out"
umask 077

days=30
san="subjectAltName=DNS:localhost,IP:127.0.0.1"

openssl req -x509 -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -keyout ca.key -out ca.pem -days "$days" -subj "/O=envmond tests/CN=envmond test CA" \
    -addext "basicConstraints=critical,CA:TRUE" \
    -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null

# signed NAME CN SAN: NAME.pem / NAME.key for CN with subjectAltName SAN, signed by the CA.
signed() {
    openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
        -keyout "$1.key" -out "$1.csr" -subj "/O=envmond tests/CN=$2" 2>/dev/null
    printf '%s\n' "$3" "basicConstraints=CA:FALSE" \
        "keyUsage=critical,digitalSignature,keyEncipherment" "extendedKeyUsage=serverAuth" > "$1.ext"
    openssl x509 -req -in "$1.csr" -CA ca.pem -CAkey ca.key -CAcreateserial \
        -out "$1.pem" -days "$days" -extfile "$1.ext" 2>/dev/null
    rm -f "$1.csr" "$1.ext" ca.srl
    openssl verify -CAfile ca.pem "$1.pem" >/dev/null
}

signed server localhost "$san"
signed dnsonly localhost "subjectAltName=DNS:localhost"
signed other mail.example.org "subjectAltName=DNS:mail.example.org,IP:192.0.2.25"

openssl req -x509 -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -keyout rogue.key -out rogue.pem -days "$days" -subj "/O=rogue/CN=localhost" \
    -addext "$san" 2>/dev/null

chmod 644 ca.pem server.pem rogue.pem dnsonly.pem other.pem
echo "$out: ca.pem server.pem server.key rogue.pem rogue.key dnsonly.pem other.pem"
