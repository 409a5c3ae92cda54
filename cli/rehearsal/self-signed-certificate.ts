/**
 * The one openssl command line for a throw-away self-signed certificate (EC P-256, no
 * passphrase): the rehearsal's stand-in listener certificates and the tests' stand-in API
 * server use it. Never for anything that outlives a rehearsal or a test.
 */
export interface SelfSignedCertificate {
  readonly commonName: string;
  /** DNS names for subjectAltName. @default - no subjectAltName extension */
  readonly dnsNames?: readonly string[];
  readonly days: number;
  readonly keyFile: string;
  readonly certFile: string;
}

/** `openssl req -x509 …` for `certificate`, as argv (argv[0] is `openssl`). */
export function selfSignedCertificateCommand(certificate: SelfSignedCertificate): string[] {
  const names = certificate.dnsNames ?? [];
  return [
    'openssl',
    'req',
    '-x509',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:prime256v1',
    '-nodes',
    '-days',
    String(certificate.days),
    '-subj',
    `/CN=${certificate.commonName}`,
    ...(names.length > 0
      ? ['-addext', `subjectAltName=${names.map((host) => `DNS:${host}`).join(',')}`]
      : []),
    '-keyout',
    certificate.keyFile,
    '-out',
    certificate.certFile,
  ];
}
