// OWNER: codec helper. messageData bodies other than PKCS#10 (RFC 8894 §3.3.3, §3.3.4).

export interface IssuerAndSubject {
  readonly issuerDer: Buffer;
  readonly subjectDer: Buffer;
}

export interface IssuerAndSerialNumber {
  readonly issuerDer: Buffer;
  /** INTEGER content octets. */
  readonly serialNumber: Buffer;
}

/** Throws ScepCodecError MESSAGE_DATA. */
export function parseIssuerAndSubject(der: Uint8Array): IssuerAndSubject {
  void der;
  throw new Error('not implemented');
}

/** Throws ScepCodecError MESSAGE_DATA. */
export function parseIssuerAndSerialNumber(der: Uint8Array): IssuerAndSerialNumber {
  void der;
  throw new Error('not implemented');
}

export function encodeIssuerAndSubject(value: IssuerAndSubject): Buffer {
  void value;
  throw new Error('not implemented');
}
