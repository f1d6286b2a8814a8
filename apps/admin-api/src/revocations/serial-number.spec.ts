import { AdminError } from '../common/admin-error';
import { normalizeSerial } from './serial-number';

describe('normalizeSerial', () => {
  it.each([
    ['0A1B2C', '0A1B2C'],
    ['0x0a1b2c', '0A1B2C'],
    ['0a:1b:2c', '0A1B2C'],
    ['A1B2C', '0A1B2C'],
    ['000A1B', '0A1B'],
    ['00', '00'],
    ['7f00000000000000000000000000abcd', '7F00000000000000000000000000ABCD'],
  ])('reads %s as %s', (input, expected) => expect(normalizeSerial(input)).toBe(expected));

  it.each(['', 'xyz', '0x', '12 34;DROP', 'F'.repeat(43)])('refuses %j naming the field', (input) => {
    expect(() => normalizeSerial(input)).toThrow(AdminError);
    try {
      normalizeSerial(input);
    } catch (error) {
      expect((error as AdminError).field).toBe('serialNumber');
      expect((error as AdminError).code).toBe('invalid');
    }
  });
});
