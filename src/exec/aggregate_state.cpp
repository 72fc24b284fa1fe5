// StateReader's checks and the versioned whole-state entry points (format: aggregate_state.h).
#include "exec/aggregate_state.h"

#include "common/error.h"
#include "exec/aggregate_function.h"

namespace perch {

uint64_t StateReader::readVarUInt() {
  uint64_t value = 0;
  for (unsigned shift = 0; shift < 64; shift += 7) {
    need(1);
    const uint8_t byte = static_cast<uint8_t>(bytes_[position_++]);
    if (shift == 63 && byte > 1) corrupt("a number does not fit 64 bits");
    value |= uint64_t{byte & 0x7fu} << shift;
    if (!(byte & 0x80)) return value;
  }
  corrupt("a number does not fit 64 bits");
}

bool StateReader::readBool() {
  const uint8_t byte = readPod<uint8_t>();
  if (byte > 1) corrupt("a flag byte is neither 0 nor 1");
  return byte == 1;
}

uint64_t StateReader::readCount(size_t min_element_bytes) {
  const uint64_t count = readVarUInt();
  const uint64_t remaining = bytes_.size() - position_;
  if (min_element_bytes && count > remaining / min_element_bytes) corrupt("an element count exceeds its bytes");
  return count;
}

void StateReader::finish() const {
  if (position_ != bytes_.size()) corrupt("unexpected bytes after the state");
}

void StateReader::corrupt(std::string_view problem) const {
  throwBadRequest("Cannot read a state of " + std::string(context_) + ": " + std::string(problem) + " (at byte " +
                  std::to_string(position_) + " of " + std::to_string(bytes_.size()) +
                  "); the value is not a state written by Perch for this function");
}

std::string serializeState(const AggregateFunction& function, const char* place) {
  std::string out;
  StateWriter writer(out);
  writer.writePod(kStateFormatVersion);
  function.serialize(place, writer);
  return out;
}

void mergeSerializedState(const AggregateFunction& function, char* place, std::string_view bytes, std::string_view context) {
  StateReader reader(bytes, context);
  if (reader.readPod<uint8_t>() != kStateFormatVersion) reader.corrupt("unknown format version");
  function.deserializeAndMerge(place, reader);
  reader.finish();
}

}  // namespace perch
