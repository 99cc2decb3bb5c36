#include "server/tls_config.h"

namespace redraft::server {

tls::TlsOptions TlsOptionsFromConfig(const Config& cfg) {
  tls::TlsOptions o;
  o.cert_file = cfg.tls_cert_file;
  o.key_file = cfg.tls_key_file;
  o.key_file_pass = cfg.tls_key_file_pass;
  o.ca_cert_file = cfg.tls_ca_cert_file;
  o.ca_cert_dir = cfg.tls_ca_cert_dir;
  o.auth_clients = cfg.tls_auth_clients;
  o.protocols = cfg.tls_protocols;
  o.ciphers = cfg.tls_ciphers;
  o.ciphersuites = cfg.tls_ciphersuites;
  o.prefer_server_ciphers = cfg.tls_prefer_server_ciphers == "yes";
  o.session_caching = cfg.tls_session_caching == "yes";
  o.session_cache_size = cfg.tls_session_cache_size;
  o.session_cache_timeout = cfg.tls_session_cache_timeout;
  o.client_cert_file = cfg.tls_client_cert_file;
  o.client_key_file = cfg.tls_client_key_file;
  o.client_key_file_pass = cfg.tls_client_key_file_pass;
  return o;
}

}  // namespace redraft::server
