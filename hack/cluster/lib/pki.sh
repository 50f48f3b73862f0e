# Certificates and static tokens for the lab. Sourced by up.

# make_pki NODES: a CA, the API server's serving certificate, its kubelet client certificate, the service
# account key pair and one static bearer token per component (token,user,uid,"groups").
make_pki() {
  local nodes=$1 i
  mkdir -p "$PKI"
  (
    cd "$PKI"
    ec_key ca.key
    openssl req -x509 -new -key ca.key -days 30 -subj "/CN=packetwalk-lab-ca" -out ca.crt
    sign apiserver "/CN=kube-apiserver" \
      "DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local,IP:127.0.0.1,IP:$CP_IP,IP:10.96.0.1"
    sign apiserver-kubelet-client "/O=system:masters/CN=kube-apiserver-kubelet-client"
    ec_key sa.key
    openssl pkey -in sa.key -pubout -out sa.pub 2>/dev/null
    {
      echo "$(token),admin,admin,\"system:masters\""
      echo "$(token),system:kube-controller-manager,kcm,"
      echo "$(token),system:kube-scheduler,scheduler,"
      echo "$(token),system:kube-proxy,kube-proxy,"
      echo "$(token),system:flannel,flannel,"
      for i in $(seq 1 "$nodes"); do
        echo "$(token),system:node:$(node_name "$i"),node$i,\"system:nodes\""
      done
    } >tokens.csv
    chmod 600 ./*.key tokens.csv
  )
}

# ec_key FILE: a P-256 key; much faster to make than RSA, and every lab component accepts it.
ec_key() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null; }

# sign NAME SUBJECT [SAN]: a key and a certificate signed by the lab CA (a server one when SAN is given).
sign() {
  ec_key "$1.key"
  openssl req -new -key "$1.key" -subj "$2" -out "$1.csr"
  if [ -n "${3:-}" ]; then
    printf 'subjectAltName=%s\nextendedKeyUsage=serverAuth,clientAuth\n' "$3" >"$1.ext"
  else
    printf 'extendedKeyUsage=clientAuth\n' >"$1.ext"
  fi
  openssl x509 -req -in "$1.csr" -CA ca.crt -CAkey ca.key -CAcreateserial -days 30 -extfile "$1.ext" \
    -out "$1.crt" 2>/dev/null
  rm -f "$1.csr" "$1.ext"
}

token() { head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n'; }

# write_kubeconfig USER SERVER FILE: a kubeconfig for USER's static token.
write_kubeconfig() {
  local tok
  tok=$(awk -F, -v u="$1" '$2 == u {print $1}' "$PKI/tokens.csv")
  [ -n "$tok" ] || die "no token for $1 in $PKI/tokens.csv"
  cat >"$3" <<YAML
apiVersion: v1
kind: Config
clusters:
- name: packetwalk-lab
  cluster: {server: "$2", certificate-authority: "$PKI/ca.crt"}
users:
- name: $1
  user: {token: "$tok"}
contexts:
- name: packetwalk-lab
  context: {cluster: packetwalk-lab, user: $1}
current-context: packetwalk-lab
YAML
  chmod 600 "$3"
}
