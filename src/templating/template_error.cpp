#include "templating/template_error.h"

namespace perch::templating {

std::string quoteForMessage(std::string_view value) {
  if (value.size() <= kMaxEchoedValueBytes) return std::string(value);
  size_t cut = kMaxEchoedValueBytes;
  // Do not split a UTF-8 sequence.
  while (cut > 0 && (static_cast<unsigned char>(value[cut]) & 0xC0) == 0x80) --cut;
  return std::string(value.substr(0, cut)) + "...";
}

}  // namespace perch::templating
