// TimeZone (see time_zone.h): TZif parsing and offset lookup.
#include "types/time_zone.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <fstream>
#include <iterator>
#include <map>
#include <mutex>
#include <string>

#include "common/error.h"

namespace perch {

namespace {

bool validName(std::string_view name) {
  if (name.empty() || name.size() > 128 || name.front() == '/' || name.find("..") != std::string_view::npos) return false;
  for (char c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '/' && c != '_' && c != '-' && c != '+') return false;
  }
  return true;
}

uint64_t bigEndian(const std::string& data, size_t at, size_t bytes) {
  uint64_t value = 0;
  for (size_t i = 0; i < bytes; ++i) value = value << 8 | static_cast<unsigned char>(data[at + i]);
  return value;
}

}  // namespace

bool TimeZone::isUtcName(std::string_view zone) {
  return zone == "UTC" || zone == "Etc/UTC" || zone == "GMT" || zone == "Etc/GMT" || zone == "UTC0" || zone == "Zulu" ||
         zone == "Etc/Zulu" || zone == "Etc/Universal" || zone == "Universal" || zone == "UCT" || zone == "Etc/UCT";
}

const TimeZone& TimeZone::utc() {
  static const TimeZone zone;
  return zone;
}

std::shared_ptr<const TimeZone> TimeZone::get(std::string_view name) {
  static const std::shared_ptr<const TimeZone> utc_zone(std::shared_ptr<const TimeZone>(), &utc());
  if (isUtcName(name)) return utc_zone;
  static std::mutex mutex;
  static std::map<std::string, std::shared_ptr<const TimeZone>, std::less<>> zones;  // guarded by mutex
  std::lock_guard<std::mutex> lock(mutex);
  if (auto it = zones.find(name); it != zones.end()) return it->second;
  auto zone = std::make_shared<const TimeZone>(load(name));
  zones.emplace(std::string(name), zone);
  return zone;
}

int64_t TimeZone::offsetAt(int64_t utc) const {
  auto it = std::upper_bound(transitions_.begin(), transitions_.end(), utc);
  return it == transitions_.begin() ? initial_offset_ : offsets_[static_cast<size_t>(it - transitions_.begin() - 1)];
}

int64_t TimeZone::utcOf(int64_t local) const {
  const int64_t guess = local - offsetAt(local);
  const int64_t earlier = local - offsetAt(guess - 86400);
  return offsetAt(earlier) + earlier == local ? earlier : local - offsetAt(guess);
}

// The version 2+ block with 64-bit transition times when present, else the 32-bit one.
TimeZone TimeZone::load(std::string_view name) {
  const std::string message = "Unknown time zone '" + std::string(name) + "'";
  if (!validName(name)) throwBadRequest(message);
  std::ifstream file("/usr/share/zoneinfo/" + std::string(name), std::ios::binary);
  const std::string data((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
  if (data.size() < 44 || data.compare(0, 4, "TZif") != 0) throwBadRequest(message);
  auto counts = [&](size_t header) {
    std::array<uint64_t, 6> c{};
    for (size_t i = 0; i < 6; ++i) c[i] = bigEndian(data, header + 20 + 4 * i, 4);
    return c;  // isutcnt, isstdcnt, leapcnt, timecnt, typecnt, charcnt
  };
  size_t header = 0;
  size_t time_size = 4;
  std::array<uint64_t, 6> c = counts(0);
  if (data[4] >= '2') {  // skip the 32-bit block
    header = 44 + c[3] * 4 + c[3] + c[4] * 6 + c[5] + c[2] * 8 + c[1] + c[0];
    if (data.size() < header + 44 || data.compare(header, 4, "TZif") != 0) throwBadRequest(message);
    c = counts(header);
    time_size = 8;
  }
  const size_t times = header + 44, indexes = times + c[3] * time_size, types = indexes + c[3];
  if (data.size() < types + c[4] * 6 || c[4] == 0) throwBadRequest(message);
  TimeZone zone;
  auto typeOffset = [&](size_t type) { return static_cast<int64_t>(static_cast<int32_t>(bigEndian(data, types + type * 6, 4))); };
  zone.initial_offset_ = typeOffset(0);
  for (size_t i = 0; i < c[3]; ++i) {
    const uint64_t raw = bigEndian(data, times + i * time_size, time_size);
    zone.transitions_.push_back(time_size == 8 ? static_cast<int64_t>(raw) : static_cast<int64_t>(static_cast<int32_t>(raw)));
    const size_t type = static_cast<unsigned char>(data[indexes + i]);
    if (type >= c[4]) throwBadRequest(message);
    zone.offsets_.push_back(typeOffset(type));
  }
  return zone;
}

}  // namespace perch
