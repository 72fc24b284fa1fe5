// TimeZone: a named zone from the system tz database (/usr/share/zoneinfo, Debian package
// tzdata), read from its TZif file (RFC 8536): the UTC offset in effect at any instant, and the
// instant of a local wall-clock time. The files cover 1901..2037; later instants keep the last
// offset. Zones are loaded once per process and immutable afterwards; get() is thread-safe.
#pragma once

#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

namespace perch {

class TimeZone {
 public:
  /// The zone `name` ('Europe/Berlin'); throws kBadRequest for unknown or malformed names.
  /// UTC and its aliases ('Etc/UTC', 'GMT', ...) need no file.
  static std::shared_ptr<const TimeZone> get(std::string_view name);
  /// The UTC zone, the default of DateTime types that name no zone.
  static const TimeZone& utc();
  static bool isUtcName(std::string_view name);

  bool isUtc() const { return transitions_.empty() && initial_offset_ == 0; }

  /// Seconds east of UTC at the UTC instant `utc`.
  int64_t offsetAt(int64_t utc) const;
  /// The UTC instant of a local wall-clock time (the earlier one when the clock was set back).
  int64_t utcOf(int64_t local) const;

 private:
  static TimeZone load(std::string_view name);

  std::vector<int64_t> transitions_;  // ascending UTC instants
  std::vector<int64_t> offsets_;      // offset from each transition on
  int64_t initial_offset_ = 0;
};

}  // namespace perch
