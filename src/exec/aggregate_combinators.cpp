// The combinators (-If, -State, -Merge, -MergeState, -SimpleState), the Nullable adapter, and
// finalizeAggregation(state). See aggregate_combinators.h for the naming rules.
#include "exec/aggregate_combinators.h"

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "common/error.h"
#include "exec/aggregate_state_holder.h"
#include "exec/function_registry.h"
#include "exec/kernel_loops.h"
#include "exec/type_rules.h"

namespace perch {

namespace {

// An aggregate function built on another one: every operation goes to `inner_` unless the
// combinator changes it.
class AggregateFunctionWrapper : public AggregateFunction {
 public:
  AggregateFunctionWrapper(AggregateFunctionPtr inner, DataType result_type)
      : AggregateFunction(std::move(result_type)), inner_(std::move(inner)) {}

  size_t stateSize() const override { return inner_->stateSize(); }
  size_t stateAlign() const override { return inner_->stateAlign(); }
  void create(char* place) const override { inner_->create(place); }
  void destroy(char* place) const noexcept override { inner_->destroy(place); }
  bool hasTrivialDestructor() const override { return inner_->hasTrivialDestructor(); }
  void addBatch(char* const* places, size_t offset, std::span<const ColumnPtr> args, size_t rows, const uint8_t* skip) const override {
    inner_->addBatch(places, offset, args, rows, skip);
  }
  void addBatchSingle(char* place, std::span<const ColumnPtr> args, size_t rows, const uint8_t* skip) const override {
    inner_->addBatchSingle(place, args, rows, skip);
  }
  void merge(char* place, const char* other) const override { inner_->merge(place, other); }
  void insertResult(const char* place, Column& to) const override { inner_->insertResult(place, to); }
  void serialize(const char* place, StateWriter& out) const override { inner_->serialize(place, out); }
  void deserializeAndMerge(char* place, StateReader& in) const override { inner_->deserializeAndMerge(place, in); }

 protected:
  AggregateFunctionPtr inner_;
};

// ---- Nullable -----------------------------------------------------------------------------

// The inner state, then (with `nullable_result`) one byte: 1 once a non-NULL row was added.
class NullableAdapter final : public AggregateFunctionWrapper {
 public:
  NullableAdapter(AggregateFunctionPtr inner, bool nullable_result)
      : AggregateFunctionWrapper(inner, nullable_result ? makeNullable(inner->resultType()) : inner->resultType()),
        nullable_result_(nullable_result),
        flag_offset_(inner_->stateSize()) {}

  size_t stateSize() const override { return flag_offset_ + inner_->stateAlign(); }
  void create(char* place) const override {
    inner_->create(place);
    place[flag_offset_] = 0;
  }

  void addBatch(char* const* places, size_t offset, std::span<const ColumnPtr> args, size_t rows, const uint8_t* skip) const override {
    std::vector<uint8_t> mask;
    std::vector<ColumnPtr> nested = strip(args, rows, skip, mask);
    inner_->addBatch(places, offset, nested, rows, mask.data());
    if (nullable_result_) {
      for (size_t i = 0; i < rows; ++i) {
        if (!mask[i]) places[i][offset + flag_offset_] = 1;
      }
    }
  }
  void addBatchSingle(char* place, std::span<const ColumnPtr> args, size_t rows, const uint8_t* skip) const override {
    std::vector<uint8_t> mask;
    std::vector<ColumnPtr> nested = strip(args, rows, skip, mask);
    inner_->addBatchSingle(place, nested, rows, mask.data());
    for (size_t i = 0; i < rows; ++i) {
      if (!mask[i]) {
        place[flag_offset_] = 1;
        break;
      }
    }
  }
  void merge(char* place, const char* other) const override {
    inner_->merge(place, other);
    place[flag_offset_] |= other[flag_offset_];
  }
  void insertResult(const char* place, Column& to) const override {
    if (!nullable_result_) {
      inner_->insertResult(place, to);
      return;
    }
    auto& nullable = static_cast<ColumnNullable&>(to);
    if (place[flag_offset_]) {
      inner_->insertResult(place, nullable.nested());
      nullable.nullMap().push_back(0);
    } else {
      nullable.appendNull();
    }
  }
  void serialize(const char* place, StateWriter& out) const override {
    inner_->serialize(place, out);
    if (nullable_result_) out.writeBool(place[flag_offset_] != 0);
  }
  void deserializeAndMerge(char* place, StateReader& in) const override {
    inner_->deserializeAndMerge(place, in);
    if (nullable_result_ && in.readBool()) place[flag_offset_] = 1;
  }

 private:
  static std::vector<ColumnPtr> strip(std::span<const ColumnPtr> args, size_t rows, const uint8_t* skip, std::vector<uint8_t>& mask) {
    mask.assign(rows, 0);
    if (skip) std::memcpy(mask.data(), skip, rows);
    std::vector<ColumnPtr> nested;
    for (const auto& arg : args) {
      if (!arg->type().isNullable()) {
        nested.push_back(arg);
        continue;
      }
      const auto& nullable = static_cast<const ColumnNullable&>(*arg);
      const uint8_t* nulls = nullable.nullMap().data();
      for (size_t i = 0; i < rows; ++i) mask[i] |= nulls[i];
      nested.push_back(ColumnPtr(arg, &nullable.nested()));
    }
    return nested;
  }

  bool nullable_result_;
  size_t flag_offset_;
};

// ---- If -----------------------------------------------------------------------------------

// f(args..., cond): rows whose condition is 0 or NULL are skipped.
class IfAdapter final : public AggregateFunctionWrapper {
 public:
  explicit IfAdapter(AggregateFunctionPtr inner) : AggregateFunctionWrapper(inner, inner->resultType()) {}
  void addBatch(char* const* places, size_t offset, std::span<const ColumnPtr> args, size_t rows, const uint8_t* skip) const override {
    std::vector<uint8_t> mask = conditionMask(args.back(), rows, skip);
    inner_->addBatch(places, offset, args.first(args.size() - 1), rows, mask.data());
  }
  void addBatchSingle(char* place, std::span<const ColumnPtr> args, size_t rows, const uint8_t* skip) const override {
    std::vector<uint8_t> mask = conditionMask(args.back(), rows, skip);
    inner_->addBatchSingle(place, args.first(args.size() - 1), rows, mask.data());
  }

 private:
  static std::vector<uint8_t> conditionMask(const ColumnPtr& condition, size_t rows, const uint8_t* skip) {
    std::vector<uint8_t> mask(rows, 0);
    if (skip) std::memcpy(mask.data(), skip, rows);
    const Column* values = condition.get();
    if (condition->type().isNullable()) {
      const auto& nullable = static_cast<const ColumnNullable&>(*condition);
      for (size_t i = 0; i < rows; ++i) mask[i] |= nullable.nullMap()[i];
      values = &nullable.nested();
    }
    dispatchFixed(values->type(), [&](auto tag) {
      using T = decltype(tag);
      const T* data = asVector<T>(*values).data().data();
      for (size_t i = 0; i < rows; ++i) mask[i] |= data[i] == T{};
      return 0;
    });
    return mask;
  }
};

AggregateFunctionPtr createIf(std::string_view name, std::string_view nested_name, std::span<const DataType> arg_types,
                              std::span<const ColumnPtr> parameters) {
  if (arg_types.empty()) throwBadRequest("Aggregate function " + std::string(name) + " requires a condition argument");
  const DataType& condition = arg_types.back();
  if (!isNumeric(removeNullable(condition))) {
    throwBadRequest("Illegal type " + condition.name() + " of last argument for aggregate function " + std::string(name));
  }
  return std::make_shared<IfAdapter>(createAggregateFunction(nested_name, arg_types.first(arg_types.size() - 1), parameters));
}

// ---- State / Merge / SimpleState ----------------------------------------------------------

AggregateFunctionPtr createSimpleState(std::string_view name, std::string_view nested_name, std::span<const DataType> arg_types,
                                       std::span<const ColumnPtr> parameters);
AggregateFunctionPtr createMerge(std::string_view name, std::string_view nested_name, std::span<const DataType> arg_types,
                                 std::span<const ColumnPtr> parameters);
AggregateFunctionPtr createState(std::string_view name, std::string_view nested_name, std::span<const DataType> arg_types,
                                 std::span<const ColumnPtr> parameters);

struct Combinator {
  std::string_view suffix;
  AggregateFunctionPtr (*create)(std::string_view name, std::string_view nested_name, std::span<const DataType> arg_types,
                                 std::span<const ColumnPtr> parameters);
};

// Longest suffix first: `sumSimpleState` is SimpleState(sum), not State(sumSimple).
constexpr Combinator kCombinators[] = {
    {"SimpleState", createSimpleState},
    {"State", createState},
    {"Merge", createMerge},
    {"If", createIf},
};

const Combinator* findCombinator(std::string_view name) {
  for (const Combinator& combinator : kCombinators) {
    if (name.size() > combinator.suffix.size() && name.ends_with(combinator.suffix)) return &combinator;
  }
  return nullptr;
}

bool isMergeName(std::string_view name) {
  const Combinator* combinator = findCombinator(name);
  return combinator && combinator->create == createMerge;
}

// fState: the group's result is its serialized state.
class StateAdapter final : public AggregateFunctionWrapper {
 public:
  StateAdapter(AggregateFunctionPtr inner, DataType state_type) : AggregateFunctionWrapper(std::move(inner), std::move(state_type)) {}
  void insertResult(const char* place, Column& to) const override {
    static_cast<ColumnString&>(to).push(serializeState(*inner_, place));
  }
};

// fMerge: every argument value is a serialized state of `inner_`, merged into the group's state.
class MergeAdapter final : public AggregateFunctionWrapper {
 public:
  MergeAdapter(AggregateFunctionPtr inner, const DataType& state_type)
      : AggregateFunctionWrapper(inner, inner->resultType()), state_type_name_(state_type.name()) {}
  void addBatch(char* const* places, size_t offset, std::span<const ColumnPtr> args, size_t rows, const uint8_t* skip) const override {
    const ColumnString& states = asString(*args[0]);
    for (size_t i = 0; i < rows; ++i) {
      if (!skip || !skip[i]) mergeSerializedState(*inner_, places[i] + offset, states.at(i), state_type_name_);
    }
  }
  void addBatchSingle(char* place, std::span<const ColumnPtr> args, size_t rows, const uint8_t* skip) const override {
    const ColumnString& states = asString(*args[0]);
    for (size_t i = 0; i < rows; ++i) {
      if (!skip || !skip[i]) mergeSerializedState(*inner_, place, states.at(i), state_type_name_);
    }
  }

 private:
  std::string state_type_name_;
};

// The parameters of an AggregateFunction type as its name spells them: `0.9` in
// AggregateFunction(quantile(0.9), Float64).
std::string parametersText(std::span<const ColumnPtr> parameters) {
  std::string text;
  for (size_t i = 0; i < parameters.size(); ++i) {
    if (i) text += ", ";
    if (parameters[i]->type().isStringLike()) {
      text += '\'';
      parameters[i]->formatText(0, text);
      text += '\'';
    } else {
      parameters[i]->formatText(0, text);
    }
  }
  return text;
}

// The constants back from parametersText (numbers and quoted strings; aggregate parameters are
// literals). Integers keep an integer type, so topK(3) and groupUniqArray(5) accept them again.
std::vector<ColumnPtr> parseParameters(const std::string& text, const DataType& state_type) {
  std::vector<ColumnPtr> parameters;
  size_t position = 0;
  while (position < text.size()) {
    // The next comma outside quotes ends the item.
    size_t end = position;
    for (bool quoted = false; end < text.size() && (quoted || text[end] != ','); ++end) {
      if (text[end] == '\\') ++end;
      else if (text[end] == '\'') quoted = !quoted;
    }
    std::string item = text.substr(position, std::min(end, text.size()) - position);
    item.erase(0, item.find_first_not_of(' '));
    item.erase(item.find_last_not_of(' ') + 1);
    position = end + 1;
    if (item.size() >= 2 && item.front() == '\'' && item.back() == '\'') {
      parameters.push_back(makeStringConstant(item.substr(1, item.size() - 2)));
      continue;
    }
    char* parsed_end = nullptr;
    errno = 0;
    if (!item.empty() && item.find_first_not_of("0123456789") == std::string::npos) {
      const uint64_t value = std::strtoull(item.c_str(), &parsed_end, 10);
      if (errno == 0) {
        parameters.push_back(makeConstantColumn(DataType(TypeId::kUInt64), value));
        continue;
      }
    }
    errno = 0;
    const double value = std::strtod(item.c_str(), &parsed_end);
    if (item.empty() || errno != 0 || *parsed_end != '\0') {
      throwBadRequest("Cannot read parameter '" + item + "' of " + state_type.name() + ": aggregate function parameters must be numbers or quoted strings");
    }
    parameters.push_back(makeConstantColumn(DataType(TypeId::kFloat64), value));
  }
  return parameters;
}

// The function a state type holds states of.
AggregateFunctionPtr createStateFunction(const DataType& state_type) {
  return createAggregateFunction(state_type.aggregateFunctionName(), state_type.aggregateFunctionArguments(),
                                 parseParameters(state_type.aggregateFunctionParameters(), state_type));
}

AggregateFunctionPtr createState(std::string_view /*name*/, std::string_view nested_name, std::span<const DataType> arg_types,
                                 std::span<const ColumnPtr> parameters) {
  AggregateFunctionPtr inner = createAggregateFunction(nested_name, arg_types, parameters);
  // fMergeState(s) keeps the type of s: its states are f's, merged.
  if (isMergeName(nested_name)) return std::make_shared<StateAdapter>(std::move(inner), arg_types[0]);
  DataType type = DataType::aggregateFunction(std::string(nested_name), parametersText(parameters), {arg_types.begin(), arg_types.end()});
  return std::make_shared<StateAdapter>(std::move(inner), std::move(type));
}

AggregateFunctionPtr createMerge(std::string_view name, std::string_view nested_name, std::span<const DataType> arg_types,
                                 std::span<const ColumnPtr> parameters) {
  if (arg_types.size() != 1) {
    throwBadRequest("Aggregate function " + std::string(name) + " takes one argument, a column of AggregateFunction(" +
                    std::string(nested_name) + ", ...) states, got " + std::to_string(arg_types.size()));
  }
  const DataType& type = arg_types[0];
  if (!type.isAggregateFunction()) {
    throwBadRequest("Illegal type " + type.name() + " of argument for aggregate function " + std::string(name) +
                    ": it must be AggregateFunction(" + std::string(nested_name) + ", ...)");
  }
  if (type.aggregateFunctionName() != nested_name) {
    throwBadRequest("Illegal type " + type.name() + " of argument for aggregate function " + std::string(name) +
                    ", because it corresponds to different aggregate function: " + type.aggregateFunctionName() +
                    " instead of " + std::string(nested_name));
  }
  // As in ClickHouse, the parameters are the -Merge call's, not the type's: quantileMerge(0.9)(s)
  // is the 0.9 quantile of any quantile state, and quantileMerge(s) the median.
  AggregateFunctionPtr inner = createAggregateFunction(type.aggregateFunctionName(), type.aggregateFunctionArguments(), parameters);
  return std::make_shared<MergeAdapter>(std::move(inner), type);
}

AggregateFunctionPtr createSimpleState(std::string_view name, std::string_view nested_name, std::span<const DataType> arg_types,
                                       std::span<const ColumnPtr> parameters) {
  // ClickHouse's list for SimpleAggregateFunction, less the functions Perch does not have: those
  // whose result, aggregated again with the same function, is the result over all rows.
  static constexpr std::string_view kSimple[] = {"any", "anyLast", "min", "max", "sum"};
  if (std::find(std::begin(kSimple), std::end(kSimple), nested_name) == std::end(kSimple)) {
    throwBadRequest("Unsupported aggregate function " + std::string(nested_name) + " in " + std::string(name) +
                    ", supported functions are any, anyLast, min, max, sum");
  }
  AggregateFunctionPtr inner = createAggregateFunction(nested_name, arg_types, parameters);
  DataType type = DataType::simpleAggregateFunction(std::string(nested_name), inner->resultType());
  return std::make_shared<AggregateFunctionWrapper>(std::move(inner), std::move(type));
}

// ---- finalizeAggregation ------------------------------------------------------------------

ResolvedFunction resolveFinalizeAggregation(std::span<const ArgumentInfo> args, const FunctionContext&) {
  checkArgumentCount("finalizeAggregation", args, 1, 1);
  const DataType& type = args[0].type;
  if (!type.isAggregateFunction()) {
    throwBadRequest("Argument for function finalizeAggregation must have type AggregateFunction - state of aggregate function, got " + type.name());
  }
  AggregateFunctionPtr function = createStateFunction(type);
  const DataType result = function->resultType();
  return {result, [function, result, context = type.name()](std::span<const Datum> inputs, size_t rows) {
            const ColumnPtr column = materialize(inputs[0], rows);
            const ColumnString& states = asString(*column);
            MutableColumnPtr out = makeEmptyColumn(result);
            out->reserve(rows);
            AggregateStateHolder state(*function);
            for (size_t i = 0; i < rows; ++i) {
              if (i) state.reset();
              mergeSerializedState(*function, state.place(), states.at(i), context);
              function->insertResult(state.place(), *out);
            }
            return Datum::full(std::move(out));
          }};
}

}  // namespace

std::string_view stripAggregateCombinator(std::string_view name) {
  const Combinator* combinator = findCombinator(name);
  return combinator ? name.substr(0, name.size() - combinator->suffix.size()) : std::string_view();
}

AggregateFunctionPtr createCombinedAggregateFunction(std::string_view name, std::span<const DataType> arg_types,
                                                     std::span<const ColumnPtr> parameters) {
  const Combinator* combinator = findCombinator(name);
  if (!combinator) throwBadRequest("Unknown aggregate function " + std::string(name));
  return combinator->create(name, name.substr(0, name.size() - combinator->suffix.size()), arg_types, parameters);
}

AggregateFunctionPtr makeNullableAdapter(AggregateFunctionPtr inner, bool nullable_result) {
  return std::make_shared<NullableAdapter>(std::move(inner), nullable_result);
}

void registerAggregateStateFunctions(FunctionRegistry& registry) {
  registry.add("finalizeAggregation", {NullHandling::kCustom, true, resolveFinalizeAggregation});
}

}  // namespace perch
