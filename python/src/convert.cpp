#include "convert.hpp"

#include <fmt/format.h>

#include <stdexcept>

namespace parallax::python {

namespace {

template <class J>
nb::object convert(const J& j) {
  switch (j.type()) {
    case nlohmann::json::value_t::null:
    case nlohmann::json::value_t::discarded:
      return nb::none();
    case nlohmann::json::value_t::boolean:
      return nb::bool_(j.template get<bool>());
    case nlohmann::json::value_t::number_integer:
      return nb::int_(j.template get<std::int64_t>());
    case nlohmann::json::value_t::number_unsigned:
      return nb::steal(PyLong_FromUnsignedLongLong(j.template get<std::uint64_t>()));
    case nlohmann::json::value_t::number_float:
      return nb::float_(j.template get<double>());
    case nlohmann::json::value_t::string:
      return nb::str(j.template get_ref<const std::string&>().c_str());
    case nlohmann::json::value_t::array: {
      nb::list l;
      for (const auto& x : j) l.append(convert(x));
      return l;
    }
    case nlohmann::json::value_t::object: {
      nb::dict d;
      for (auto it = j.begin(); it != j.end(); ++it) d[nb::str(it.key().c_str())] = convert(it.value());
      return d;
    }
    case nlohmann::json::value_t::binary:
      break;
  }
  throw std::runtime_error("a JSON value of an unexpected type");
}

}  // namespace

nb::object to_python(const nlohmann::ordered_json& j) { return convert(j); }
nb::object to_python(const nlohmann::json& j) { return convert(j); }

nlohmann::json from_python(nb::handle h, const std::string& where) {
  if (h.is_none()) return nullptr;
  if (nb::isinstance<nb::bool_>(h)) return nb::cast<bool>(h);
  if (nb::isinstance<nb::int_>(h)) {
    try {
      return nb::cast<std::int64_t>(h);
    } catch (const nb::cast_error&) {
      throw std::invalid_argument(fmt::format("{}: the integer {} is out of range", where, nb::str(h).c_str()));
    }
  }
  if (nb::isinstance<nb::float_>(h)) return nb::cast<double>(h);
  if (nb::isinstance<nb::str>(h)) return nb::cast<std::string>(h);
  if (nb::isinstance<nb::dict>(h)) {
    nlohmann::json o = nlohmann::json::object();
    for (auto [k, v] : nb::borrow<nb::dict>(h)) {
      if (!nb::isinstance<nb::str>(k))
        throw std::invalid_argument(fmt::format("{}: a key that is not a string ({})", where, nb::repr(k).c_str()));
      const std::string key = nb::cast<std::string>(k);
      o[key] = from_python(v, where + "/" + key);
    }
    return o;
  }
  if (nb::isinstance<nb::list>(h) || nb::isinstance<nb::tuple>(h)) {
    nlohmann::json a = nlohmann::json::array();
    std::size_t i = 0;
    for (nb::handle v : h) a.push_back(from_python(v, fmt::format("{}/{}", where, i++)));
    return a;
  }
  // fractions.Fraction (and numpy scalars) by duck typing
  if (nb::hasattr(h, "numerator") && nb::hasattr(h, "denominator") && !nb::hasattr(h, "dtype"))
    return fmt::format("{}/{}", nb::str(h.attr("numerator")).c_str(), nb::str(h.attr("denominator")).c_str());
  if (nb::hasattr(h, "item") && nb::hasattr(h, "dtype")) return from_python(h.attr("item")(), where);
  throw std::invalid_argument(
      fmt::format("{}: a value of type {} has no JSON form", where, nb::type_name(h.type()).c_str()));
}

nb::object to_numpy(std::vector<double>&& v, std::initializer_list<std::size_t> shape) {
  auto* data = new std::vector<double>(std::move(v));
  nb::capsule owner(data, [](void* p) noexcept { delete static_cast<std::vector<double>*>(p); });
  return nb::cast(nb::ndarray<nb::numpy, double>(data->data(), shape.size(), shape.begin(), owner));
}

nlohmann::ordered_json keyword_keys(nb::dict kwargs) {
  nlohmann::ordered_json entry = nlohmann::ordered_json::object();
  for (auto [k, v] : kwargs) {
    const std::string key = nb::cast<std::string>(k);
    if (v.is_none()) continue;
    entry[key] = from_python(v, key);
  }
  return entry;
}

}  // namespace parallax::python
