// Table: the storage API every engine implements — append a batch, read a consistent snapshot.
//
// This in-memory implementation keeps appended batches in an immutable, reference-counted list:
// append() builds a new list and swaps it in under a mutex, so a snapshot taken by a query never
// changes underneath it (readers hold a shared_ptr<const TableSnapshot>, no lock while scanning).
// The durable engine (WAL + parts on disk) keeps exactly this interface.
//
// Thread safety: all methods may be called concurrently.
#pragma once

#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "types/column.h"

namespace perch {

struct ColumnSchema {
  std::string name;
  DataType type;
};

struct TableSchema {
  std::vector<ColumnSchema> columns;

  /// Position of the column called `name`, or nullopt.
  std::optional<size_t> indexOf(std::string_view name) const;
};

/// An immutable view of a table at one moment: the batches appended before it was taken.
/// Every batch has one column per schema column, in schema order.
class TableSnapshot {
 public:
  TableSnapshot(std::shared_ptr<const TableSchema> schema, std::vector<BatchPtr> batches);

  const TableSchema& schema() const { return *schema_; }
  const std::vector<BatchPtr>& batches() const { return batches_; }
  size_t rows() const { return rows_; }
  size_t bytes() const;

 private:
  std::shared_ptr<const TableSchema> schema_;
  std::vector<BatchPtr> batches_;
  size_t rows_ = 0;
};
using SnapshotPtr = std::shared_ptr<const TableSnapshot>;

class Table {
 public:
  Table(std::string name, TableSchema schema);

  const std::string& name() const { return name_; }
  const TableSchema& schema() const { return *schema_; }

  /// Appends `batch` atomically: a snapshot sees all of its rows or none. The batch must have
  /// one column per schema column with the schema's types (checked; violations are bugs).
  void append(Batch batch);
  /// Removes every row atomically.
  void truncate();
  SnapshotPtr snapshot() const;

 private:
  const std::string name_;
  const std::shared_ptr<const TableSchema> schema_;
  mutable std::mutex mutex_;
  SnapshotPtr current_;  // guarded by mutex_
};

}  // namespace perch
