using System.Security.Cryptography;
using System.Text;
using Microsoft.Data.Sqlite;
using static CommunityModel.Samples.SqliteCommands;

namespace CommunityModel.Cli.Book;

/// <summary>
/// The state snapshots of the book's last closed month (the payout ledger's and the membership book's, as the library
/// writes them), kept in the book so that the next close or pay reads the state instead of replaying every month.
/// A snapshot is stored in parts of up to 16 MB (SQLite values stay small) with a SHA-256 over the month's chain hash
/// and its bytes in a last row (part -1): a snapshot changed outside community is found when it is read. Only the
/// last closed month's snapshots are kept; a book without them (written before snapshots) is replayed.
/// </summary>
internal static class BookSnapshots
{
    public const string Table = "CREATE TABLE IF NOT EXISTS snapshots(month INTEGER NOT NULL, kind TEXT NOT NULL, part INTEGER NOT NULL, data BLOB NOT NULL, PRIMARY KEY (month, kind, part))";
    private const int PartBytes = 16 << 20;

    /// <summary>Writes a snapshot of a month (replacing any of that kind), then removes the snapshots of earlier months.</summary>
    public static void Write(SqliteConnection connection, SqliteTransaction tx, int month, string monthHash, string kind, Action<Stream> write)
    {
        Execute(connection, tx, "DELETE FROM snapshots WHERE month < $m OR (month = $m AND kind = $k)", ("$m", month), ("$k", kind));
        using var stream = new PartWriter(connection, tx, month, monthHash, kind);
        write(stream);
        stream.Finish();
    }

    /// <summary>Opens a month's snapshot of a kind for reading, or null when the book has none.</summary>
    public static PartReader? Open(SqliteConnection connection, SqliteTransaction tx, int month, string monthHash, string kind)
    {
        using (var cmd = Command(connection, tx, "SELECT data FROM snapshots WHERE month = $m AND kind = $k AND part = -1"))
        {
            cmd.Parameters.AddWithValue("$m", month);
            cmd.Parameters.AddWithValue("$k", kind);
            if (cmd.ExecuteScalar() is not byte[] hash)
            {
                return null;
            }

            return new PartReader(connection, tx, month, monthHash, kind, Encoding.ASCII.GetString(hash));
        }
    }

    private static IncrementalHash NewHash(string monthHash, string kind)
    {
        var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(Encoding.UTF8.GetBytes($"community-snapshot\u001f{monthHash}\u001f{kind}\u001f"));
        return hash;
    }

    /// <summary>A write-only stream that stores what it is given as parts, as each fills.</summary>
    private sealed class PartWriter : Stream
    {
        private readonly SqliteConnection _connection;
        private readonly SqliteCommand _insert;
        private readonly SqliteParameter _part;
        private readonly SqliteParameter _size;
        private readonly IncrementalHash _hash;
        private readonly byte[] _buffer = new byte[PartBytes];
        private int _used;
        private int _parts;

        public PartWriter(SqliteConnection connection, SqliteTransaction tx, int month, string monthHash, string kind)
        {
            _connection = connection;
            _insert = Command(connection, tx, "INSERT INTO snapshots(month, kind, part, data) VALUES ($m, $k, $p, zeroblob($n)); SELECT last_insert_rowid()");
            _insert.Parameters.AddWithValue("$m", month);
            _insert.Parameters.AddWithValue("$k", kind);
            _part = _insert.Parameters.Add("$p", SqliteType.Integer);
            _size = _insert.Parameters.Add("$n", SqliteType.Integer);
            _hash = NewHash(monthHash, kind);
        }

        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            while (!buffer.IsEmpty)
            {
                var n = Math.Min(buffer.Length, _buffer.Length - _used);
                buffer[..n].CopyTo(_buffer.AsSpan(_used));
                _used += n;
                buffer = buffer[n..];
                if (_used == _buffer.Length)
                {
                    Store();
                }
            }
        }

        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public override void WriteByte(byte value) => Write([value]);

        /// <summary>Stores the last part and the hash.</summary>
        public void Finish()
        {
            if (_used > 0)
            {
                Store();
            }

            var hash = Encoding.ASCII.GetBytes(Convert.ToHexString(_hash.GetHashAndReset()));
            hash.CopyTo(_buffer, 0);
            _used = hash.Length;
            _parts = -1;
            Store();
        }

        public override void Flush()
        {
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                _insert.Dispose();
                _hash.Dispose();
            }

            base.Dispose(disposing);
        }

        /// <summary>Stores the buffer as the next part: a blob of its size is inserted, then written in place (no copy of the buffer).</summary>
        private void Store()
        {
            if (_parts >= 0)
            {
                _hash.AppendData(_buffer, 0, _used);
            }

            _part.Value = _parts >= 0 ? _parts++ : -1;
            _size.Value = _used;
            var rowid = (long)_insert.ExecuteScalar()!;
            using (var blob = new SqliteBlob(_connection, "snapshots", "data", rowid))
            {
                blob.Write(_buffer, 0, _used);
            }

            _used = 0;
        }
    }

    /// <summary>A read-only stream over a snapshot's parts, read one at a time; <see cref="Verify"/> checks the hash at the end.</summary>
    internal sealed class PartReader : Stream
    {
        private readonly SqliteConnection _connection;
        private readonly SqliteCommand _select;
        private readonly SqliteDataReader _rows;
        private readonly IncrementalHash _hash;
        private readonly string _expected;
        private byte[] _current = [];
        private int _length;
        private int _at;
        private int _next;

        public PartReader(SqliteConnection connection, SqliteTransaction tx, int month, string monthHash, string kind, string expected)
        {
            _connection = connection;
            _select = Command(connection, tx, "SELECT part, rowid, length(data) FROM snapshots WHERE month = $m AND kind = $k AND part >= 0 ORDER BY part");
            _select.Parameters.AddWithValue("$m", month);
            _select.Parameters.AddWithValue("$k", kind);
            _rows = _select.ExecuteReader();
            _hash = NewHash(monthHash, kind);
            _expected = expected;
        }

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override int Read(Span<byte> buffer)
        {
            if (_at == _length && !NextPart())
            {
                return 0;
            }

            var n = Math.Min(buffer.Length, _length - _at);
            _current.AsSpan(_at, n).CopyTo(buffer);
            _at += n;
            return n;
        }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int ReadByte() => _at < _length || NextPart() ? _current[_at++] : -1;

        /// <summary>True when the whole snapshot was read and its bytes give the hash stored with it.</summary>
        public bool Verify() => _at == _length && !NextPart() && Convert.ToHexString(_hash.GetHashAndReset()) == _expected;

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                _rows.Dispose();
                _select.Dispose();
                _hash.Dispose();
            }

            base.Dispose(disposing);
        }

        private bool NextPart()
        {
            while (_rows.Read())
            {
                if (_rows.GetInt32(0) != _next++)
                {
                    _length = 0;
                    _at = 0;
                    return false; // a part is missing: the hash will not match
                }

                // Read through a blob handle into the one buffer (the reader's GetBytes would copy each part into an
                // array of its own first: 16 MB of garbage a part).
                var size = checked((int)_rows.GetInt64(2));
                if (size > _current.Length)
                {
                    _current = new byte[size];
                }

                using (var blob = new SqliteBlob(_connection, "snapshots", "data", _rows.GetInt64(1), readOnly: true))
                {
                    blob.ReadExactly(_current, 0, size);
                }

                _length = size;
                _at = 0;
                _hash.AppendData(_current, 0, _length);
                if (_length > 0)
                {
                    return true;
                }
            }

            return false;
        }
    }
}
