#include "storage/table.h"

#include <cassert>
#include <stdexcept>

namespace perch {

std::optional<size_t> TableSchema::indexOf(std::string_view name) const {
  for (size_t i = 0; i < columns.size(); ++i) {
    if (columns[i].name == name) return i;
  }
  return std::nullopt;
}

TableSnapshot::TableSnapshot(std::shared_ptr<const TableSchema> schema, std::vector<BatchPtr> batches)
    : schema_(std::move(schema)), batches_(std::move(batches)) {
  for (const auto& batch : batches_) rows_ += batch->rows;
}

size_t TableSnapshot::bytes() const {
  size_t total = 0;
  for (const auto& batch : batches_) total += batch->byteSize();
  return total;
}

Table::Table(std::string name, TableSchema schema)
    : name_(std::move(name)),
      schema_(std::make_shared<const TableSchema>(std::move(schema))),
      current_(std::make_shared<const TableSnapshot>(schema_, std::vector<BatchPtr>{})) {}

void Table::append(Batch batch) {
  if (batch.columns.size() != schema_->columns.size()) {
    throw std::logic_error("Table::append: batch for '" + name_ + "' has the wrong number of columns");
  }
  for (size_t i = 0; i < batch.columns.size(); ++i) {
    if (batch.columns[i]->size() != batch.rows || !(batch.columns[i]->type() == schema_->columns[i].type)) {
      throw std::logic_error("Table::append: column '" + schema_->columns[i].name + "' of '" + name_ +
                             "' does not match the schema");
    }
  }
  if (batch.rows == 0) return;
  auto shared = std::make_shared<const Batch>(std::move(batch));
  std::lock_guard lock(mutex_);
  std::vector<BatchPtr> batches = current_->batches();
  batches.push_back(std::move(shared));
  current_ = std::make_shared<const TableSnapshot>(schema_, std::move(batches));
}

void Table::truncate() {
  std::lock_guard lock(mutex_);
  current_ = std::make_shared<const TableSnapshot>(schema_, std::vector<BatchPtr>{});
}

SnapshotPtr Table::snapshot() const {
  std::lock_guard lock(mutex_);
  return current_;
}

}  // namespace perch
