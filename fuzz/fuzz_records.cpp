// Stored records, as `reduce` / `recognize` read them back on resume and
// `report` reads them: the first byte picks the reader, the rest is the
// record's JSON. A record that reads is written again and must read back.
#include "experiment/records.hpp"
#include "fuzz/harness.hpp"
#include "models/json_positions.hpp"
#include "numeric/limits.hpp"

#include <cstdlib>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace parallax;
  if (size == 0) return 0;
  const std::string text = parallax_fuzz::text_of(data + 1, size - 1);
  try {
    const nlohmann::json j = models::parse_json(text, "record");
    switch (data[0] % 4) {
      case 0: {
        const auto r = experiment::reduce_record_from_json(j);
        (void)experiment::reduce_record_from_json(nlohmann::json::parse(experiment::to_json(r).dump()));
        break;
      }
      case 1: {
        const auto m = experiment::min_bits_record_from_json(j);
        (void)experiment::min_bits_record_from_json(nlohmann::json::parse(experiment::to_json(m).dump()));
        break;
      }
      case 2:
        (void)experiment::min_bits_records_from_result(j);
        break;
      default: {
        const auto r = experiment::recognize_record_from_json(j);
        experiment::check_key(r, 16, r.format);
        (void)experiment::recognize_record_from_json(nlohmann::json::parse(experiment::to_json(r).dump()));
        break;
      }
    }
  } catch (const models::JsonInputError&) {
  } catch (const experiment::RecordFieldError&) {
  } catch (const limits::LimitError&) {
  }
  return 0;
}
