/**
 * nicsim/trace — views of the trace bus: narrated text, captures (pcap, pcapng), JSON lines and
 * VCD waveforms.
 * @module
 */
export { describeEvent, formatEvent, hexBytes } from './text.js';
export { VcdWriter, type VcdOptions } from './vcd.js';
export { Capture, CaptureStream, capturedBytes, CAPTURE_LINKTYPE, CAPTURE_FCSLEN, type CaptureDirection, type CaptureVariant, type CaptureOptions, type CapturedFrame, type CaptureStreamOptions } from './capture.js';
export { FileSink } from './sink.js';
export {
  LINKTYPE_ETHERNET, LINKTYPE_ETHERNET_MPACKET, PCAP_MAGIC_NS, PCAP_SNAPLEN, PCAPNG_BLOCK, PCAPNG_BYTE_ORDER_MAGIC, PCAPNG_OPTION, EPB_DIRECTION,
  pcapFileHeader, pcapRecord, pcapFile, encodeOptions, pcapngSectionHeader, pcapngInterfaceBlock, pcapngPacketBlock, PcapngWriter, pcapngFile,
  concatChunks, writeCaptureFile,
  type PcapHeaderOptions, type PcapPacket, type PcapngOption, type PcapngSectionOptions, type PcapngInterface, type PcapngPacket,
} from './pcap.js';
export { toLine, toJson, toJsonl, jsonlSink, toHex, fromHex, type JsonValue } from './jsonl.js';
export { summarizeFrame, summarizeWireFrame, type SummaryOptions } from './summary.js';
export {
  LadderRecorder, renderLadderSvg, buildLadderModel, LADDER_KINDS,
  type LadderArrow, type LadderMark, type LadderColumn, type LadderModel, type LadderFault, type LadderOptions, type LadderModelOptions,
} from './ladder.js';
export { narrate, narrateAll, layerOf, shownAt, LAYERS, type Layer } from './narrate.js';
export { story, formatStory, LAYER_COLOUR, type StoryLine, type StoryOptions } from './story.js';
