"""Security baseline policies: encryption, no public data, TLS, tags, instance metadata, endpoints, secrets."""
