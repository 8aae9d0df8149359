/**
 * A URL as it may be shown or logged: camera source URLs and webhook receivers often carry a
 * password (`rtsp://admin:secret@cam`) or a token in the query, which officers' screens and the audit
 * log must not hold. The password and secret-looking query values become `***`; the rest stays, so
 * the URL still says where it points. Text that is no URL is returned as it is.
 */
const SECRET_PARAM = /^(pass(word)?|pwd|secret|token|key|api[-_]?key|auth|sig(nature)?|access[-_]?token)$/i;

export function redactUrl(text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return text;
  }
  let changed = false;
  if (url.password) {
    url.password = '***';
    changed = true;
  }
  for (const name of [...url.searchParams.keys()]) {
    if (SECRET_PARAM.test(name)) {
      url.searchParams.set(name, '***');
      changed = true;
    }
  }
  return changed ? url.toString() : text;
}
