/** A value breaks a federation rule. `message` is `field: rule`, ready for an API answer or a CLI line. */
export class ProtocolError extends Error {
  constructor(
    readonly field: string,
    readonly rule: string,
  ) {
    super(`${field}: ${rule}`);
    this.name = 'ProtocolError';
  }
}
