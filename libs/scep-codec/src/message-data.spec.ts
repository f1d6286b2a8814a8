import { berBytes, berChildren, readBerStrict } from '@scep/pki';
import { ScepCodecError } from './errors';
import { encodeIssuerAndSerialNumber, encodeIssuerAndSubject, parseIssuerAndSerialNumber, parseIssuerAndSubject } from './message-data';
import { berify } from './test-support/ber';
import { fixtureCert, testPki } from './test-support/fixtures';

const pki = testPki();

describe('messageData bodies (RFC 8894 §3.3.3, §3.3.4)', () => {
  it('round-trips IssuerAndSubject with the Names copied byte for byte', () => {
    const value = { issuerDer: pki.ca.subjectDer, subjectDer: pki.client.subjectDer };
    const der = encodeIssuerAndSubject(value);
    expect(der[0]).toBe(0x30);
    expect(parseIssuerAndSubject(der)).toEqual(value);
    // BER (indefinite lengths) is accepted; the Names come back as carried.
    const ber = berify(der);
    expect(ber[1]).toBe(0x80);
    expect(parseIssuerAndSubject(ber).issuerDer[0]).toBe(0x30);
  });

  it('reads IssuerAndSerialNumber with the serial octets as encoded', () => {
    // Take the one openssl wrote into an envelope's RecipientInfo for the RA (serial 00 8a 5c ...).
    const ra = fixtureCert('ra.crt.pem');
    const der = Buffer.concat([Buffer.from([0x30, ra.issuerDer.length + ra.serialNumber.length + 2]), ra.issuerDer, Buffer.from([0x02, ra.serialNumber.length]), ra.serialNumber]);
    const parsed = parseIssuerAndSerialNumber(der);
    expect(parsed.issuerDer).toEqual(ra.issuerDer);
    expect(parsed.serialNumber).toEqual(ra.serialNumber);
    expect(parsed.serialNumber[0]).toBe(0);
  });

  it('reports anything else as MESSAGE_DATA (badRequest)', () => {
    const name = pki.ca.subjectDer;
    const issuerAndSerial = Buffer.concat([Buffer.from([0x30, name.length + 3]), name, Buffer.from('020101', 'hex')]);
    const issuerAndSubject = encodeIssuerAndSubject({ issuerDer: name, subjectDer: name });
    const garbage = [Buffer.alloc(0), Buffer.from('3000', 'hex'), pki.csr, Buffer.concat([issuerAndSubject, Buffer.from([0])])];
    const expectMessageData = (fn: () => unknown) => {
      try {
        fn();
      } catch (e) {
        expect(e).toBeInstanceOf(ScepCodecError);
        expect(e).toMatchObject({ code: 'MESSAGE_DATA', failInfo: 2 });
        return;
      }
      throw new Error('expected MESSAGE_DATA');
    };
    for (const der of garbage) {
      expectMessageData(() => parseIssuerAndSubject(der));
      expectMessageData(() => parseIssuerAndSerialNumber(der));
    }
    // Each structure is refused where the other one is expected.
    expectMessageData(() => parseIssuerAndSubject(issuerAndSerial));
    expectMessageData(() => parseIssuerAndSerialNumber(issuerAndSubject));
    expect(parseIssuerAndSerialNumber(issuerAndSerial).serialNumber).toEqual(Buffer.from([1]));
    expect(berBytes(berChildren(readBerStrict(issuerAndSerial))[0])).toEqual(name);
  });
});

describe('encodeIssuerAndSerialNumber', () => {
  it('round-trips through parseIssuerAndSerialNumber, keeping the serial octets', () => {
    const issuerDer = Buffer.from('300f310d300b06035504030c0441636d65', 'hex');
    for (const serial of [Buffer.from([0x01]), Buffer.from('00ff01', 'hex'), Buffer.from('7fffffffffffffffffffffffffffffff', 'hex')]) {
      const parsed = parseIssuerAndSerialNumber(encodeIssuerAndSerialNumber({ issuerDer, serialNumber: serial }));
      expect(parsed.issuerDer).toEqual(issuerDer);
      expect(parsed.serialNumber).toEqual(serial);
    }
  });
});
