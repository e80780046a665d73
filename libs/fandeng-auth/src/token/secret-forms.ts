/**
 * The forms in which a secret can come back in text: as it is, and as a URL query carries it
 * (the platform takes the secret in the query string, and a server that echoes the request may
 * echo it encoded). Redaction that knows only the raw form misses `a%2Bb` for `a+b`.
 */
export function secretForms(secret: string): string[] {
  const component = encodeURIComponent(secret);
  const forms = [
    secret,
    component,
    // application/x-www-form-urlencoded: a space is `+`
    new URLSearchParams({ s: secret }).toString().slice(2),
    // axios's params serializer leaves these characters unescaped
    component
      .replace(/%3A/gi, ':')
      .replace(/%24/g, '$')
      .replace(/%2C/gi, ',')
      .replace(/%20/g, '+')
      .replace(/%5B/gi, '[')
      .replace(/%5D/gi, ']'),
  ];
  return [...new Set(forms)].filter((form) => form.length > 0);
}

/** `text` with every form of every secret replaced by `[redacted]`. */
export function redactSecrets(text: string, secrets: readonly string[]): string {
  let result = text;
  // Longest first, so a form that contains another is replaced whole.
  const forms = secrets.flatMap(secretForms).sort((a, b) => b.length - a.length);
  for (const form of forms) result = result.split(form).join('[redacted]');
  return result;
}
