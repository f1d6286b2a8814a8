// Object identifiers of the SCEP / CMS structures (scep-protocol.md §1.1).

// CMS content types (RFC 5652 §4, §5.1, §6.1)
export const OID_DATA = '1.2.840.113549.1.7.1';
export const OID_SIGNED_DATA = '1.2.840.113549.1.7.2';
export const OID_ENVELOPED_DATA = '1.2.840.113549.1.7.3';

// CMS signed attributes (RFC 5652 §11)
export const OID_CONTENT_TYPE = '1.2.840.113549.1.9.3';
export const OID_MESSAGE_DIGEST = '1.2.840.113549.1.9.4';
export const OID_SIGNING_TIME = '1.2.840.113549.1.9.5';

// SCEP attributes (RFC 8894 §3.2.1; VeriSign arc 2.16.840.1.113733.1.9)
export const OID_SCEP_MESSAGE_TYPE = '2.16.840.1.113733.1.9.2';
export const OID_SCEP_PKI_STATUS = '2.16.840.1.113733.1.9.3';
export const OID_SCEP_FAIL_INFO = '2.16.840.1.113733.1.9.4';
export const OID_SCEP_SENDER_NONCE = '2.16.840.1.113733.1.9.5';
export const OID_SCEP_RECIPIENT_NONCE = '2.16.840.1.113733.1.9.6';
export const OID_SCEP_TRANSACTION_ID = '2.16.840.1.113733.1.9.7';
/** RFC 8894 §3.2.1.4.1 id-scep-failInfoText (id-pkix 24 = id-scep, arc 1). */
export const OID_SCEP_FAIL_INFO_TEXT = '1.3.6.1.5.5.7.24.1';

// Public key / key transport (RFC 3370 §4.2, RFC 3560)
export const OID_RSA_ENCRYPTION = '1.2.840.113549.1.1.1';
export const OID_RSAES_OAEP = '1.2.840.113549.1.1.7';
export const OID_MGF1 = '1.2.840.113549.1.1.8';
export const OID_RSASSA_PSS = '1.2.840.113549.1.1.10';
