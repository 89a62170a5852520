import { Hl7Message } from '@medplum/core';

/**
 * ORU^R01 from an analyser (or its middleware), read with @medplum/core's HL7 v2 parser. The
 * sample is named by its accession number in OBR-3 (filler order number; OBR-2, the placer
 * number, when OBR-3 is empty); each OBX gives one analyte: OBX-2 value type (NM number, ST/TX
 * text), OBX-3 the LOINC code (coding system LN), OBX-5 the value, OBX-6 the unit.
 */

export interface OruResult {
  code: string;
  type: string;
  value: string;
  unit: string;
}

export interface Oru {
  controlId: string;
  accession: string;
  results: OruResult[];
}

/** A message that cannot be taken; `message` is the parsed message when it got that far (for the ACK's MSA-2). */
export class Hl7Problem extends Error {
  readonly message_?: Hl7Message;
  constructor(text: string, message?: Hl7Message) {
    super(text);
    this.message_ = message;
  }
}

export function parseOru(text: string): { message: Hl7Message; oru: Oru } {
  const normalised = text.replace(/\r\n|\n/g, '\r').replace(/\r+$/, '');
  if (!normalised.startsWith('MSH|')) throw new Hl7Problem('The message does not start with an MSH segment');
  const message = Hl7Message.parse(normalised);
  const type = `${message.header.getComponent(9, 1)}^${message.header.getComponent(9, 2)}`;
  if (type !== 'ORU^R01') throw new Hl7Problem(`Only ORU^R01 is accepted, not ${type}`, message);
  const controlId = message.header.getField(10).toString();
  if (!controlId) throw new Hl7Problem('MSH-10 (message control id) is empty', message);
  const obr = message.getSegment('OBR');
  if (!obr) throw new Hl7Problem('The message has no OBR segment', message);
  const accession = obr.getComponent(3, 1) || obr.getComponent(2, 1);
  if (!accession) throw new Hl7Problem('OBR-3 (and OBR-2) name no accession number', message);
  const results = message.getAllSegments('OBX').map((obx, i) => {
    const code = obx.getComponent(3, 1);
    const system = obx.getComponent(3, 3);
    if (!code) throw new Hl7Problem(`OBX ${i + 1} has no code in OBX-3`, message);
    if (system && system !== 'LN') throw new Hl7Problem(`OBX ${i + 1} is coded in ${system}; LOINC (LN) is expected`, message);
    return { code, type: obx.getField(2).toString(), value: obx.getField(5).toString(), unit: obx.getComponent(6, 1) };
  });
  if (!results.length) throw new Hl7Problem('The message has no OBX segment', message);
  return { message, oru: { controlId, accession, results } };
}
