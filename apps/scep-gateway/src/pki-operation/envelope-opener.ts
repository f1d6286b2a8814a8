import { FailInfo, type OpenedEnvelope, openEnvelope } from '@scep/codec';
import { liveGenerations } from '../endpoints/scep-endpoint';
import { RequestRefused, type VerifiedRequest, refusal } from './verified-request';

/**
 * Opens the pkcsPKIEnvelope with whichever live RA it was encrypted to (active, announced next or retired; RFC 8894
 * §4.7) and remembers that generation for the reply. Every decryption failure is one answer: no padding oracle.
 */
export function openRequestEnvelope(request: VerifiedRequest): OpenedEnvelope {
  const { message, endpoint } = request;
  if (!message.content) throw new RequestRefused(FailInfo.BadRequest, 'no pkcsPKIEnvelope');
  const generations = liveGenerations(endpoint);
  let envelope: OpenedEnvelope;
  try {
    envelope = openEnvelope(
      message.content,
      generations.map((g) => g.ra),
    );
  } catch (error) {
    throw refusal(error, FailInfo.BadRequest);
  }
  request.replyAs.generation = generations.find((g) => g.ra.certificate === envelope.recipient.certificate);
  return envelope;
}
