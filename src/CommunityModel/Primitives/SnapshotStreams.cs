using System.Buffers.Binary;
using System.Text;

namespace CommunityModel.Primitives;

/// <summary>
/// Writes a snapshot as frames of up to 64 KiB, each after its length (7-bit encoded), ended by a frame of length 0,
/// with the primitives of <see cref="BinaryWriter"/> (7-bit integers, length-prefixed UTF-8 strings) written into the
/// frame's buffer directly: a snapshot of millions of entries costs no call per byte, and its reader can read it
/// fast without ever reading past its end.
/// </summary>
internal sealed class SnapshotWriter(Stream stream) : IDisposable
{
    private const int FrameBytes = 1 << 16;
    private readonly byte[] _frame = new byte[FrameBytes];
    private int _used;
    private bool _done;

    public void Write(byte value)
    {
        if (_used == FrameBytes)
        {
            Flush();
        }

        _frame[_used++] = value;
    }

    public void Write(bool value) => Write(value ? (byte)1 : (byte)0);

    public void Write(long value)
    {
        Span<byte> bytes = stackalloc byte[8];
        BinaryPrimitives.WriteInt64LittleEndian(bytes, value);
        Write(bytes);
    }

    public void Write(ReadOnlySpan<byte> bytes)
    {
        while (!bytes.IsEmpty)
        {
            if (_used == FrameBytes)
            {
                Flush();
            }

            var n = Math.Min(bytes.Length, FrameBytes - _used);
            bytes[..n].CopyTo(_frame.AsSpan(_used));
            _used += n;
            bytes = bytes[n..];
        }
    }

    public void Write7BitEncodedInt(int value) => Write7BitEncodedInt64(unchecked((uint)value));

    public void Write7BitEncodedInt64(long value)
    {
        if (FrameBytes - _used < 10)
        {
            Flush();
        }

        var v = unchecked((ulong)value);
        while (v >= 0x80)
        {
            _frame[_used++] = unchecked((byte)(v | 0x80));
            v >>= 7;
        }

        _frame[_used++] = unchecked((byte)v);
    }

    /// <summary>A signed number, zigzag-encoded so that small negatives are short too.</summary>
    public void WriteSigned(long value) => Write7BitEncodedInt64(unchecked((value << 1) ^ (value >> 63)));

    /// <summary>A string as <see cref="BinaryWriter.Write(string)"/> writes it: its UTF-8 length, then its UTF-8 bytes.</summary>
    public void Write(string value)
    {
        var length = Encoding.UTF8.GetByteCount(value);
        Write7BitEncodedInt(length);
        if (length <= FrameBytes - _used)
        {
            _used += Encoding.UTF8.GetBytes(value, _frame.AsSpan(_used));
            return;
        }

        Write(Encoding.UTF8.GetBytes(value));
    }

    /// <summary>Writes the last frame and the end.</summary>
    public void Dispose()
    {
        if (_done)
        {
            return;
        }

        _done = true;
        Flush();
        stream.WriteByte(0);
    }

    private void Flush()
    {
        if (_used == 0)
        {
            return;
        }

        Span<byte> header = stackalloc byte[5];
        var n = 0;
        for (var v = (uint)_used; ; v >>= 7)
        {
            header[n++] = unchecked((byte)(v >= 0x80 ? v | 0x80 : v));
            if (v < 0x80)
            {
                break;
            }
        }

        stream.Write(header[..n]);
        stream.Write(_frame, 0, _used);
        _used = 0;
    }
}

/// <summary>
/// Reads what <see cref="SnapshotWriter"/> wrote, a frame at a time into one buffer, decoding from it directly; it reads
/// exactly the snapshot's bytes from the stream (never past its end). A frame longer than any writer makes, a
/// length that does not read, or a stream that ends early throws <see cref="InvalidDataException"/> or
/// <see cref="EndOfStreamException"/>.
/// </summary>
internal sealed class SnapshotReader(Stream stream)
{
    private const int FrameBytes = 1 << 16;
    private readonly byte[] _frame = new byte[FrameBytes];
    private int _at;
    private int _length;
    private bool _ended;

    public byte ReadByte()
    {
        if (_at == _length)
        {
            NextFrame();
        }

        return _frame[_at++];
    }

    public byte[] ReadBytes(int count)
    {
        var bytes = new byte[count];
        ReadExactly(bytes);
        return bytes;
    }

    public bool ReadBoolean() => ReadByte() switch
    {
        0 => false,
        1 => true,
        _ => throw new InvalidDataException("a true-or-false byte is neither"),
    };

    public long ReadInt64()
    {
        Span<byte> bytes = stackalloc byte[8];
        ReadExactly(bytes);
        return BinaryPrimitives.ReadInt64LittleEndian(bytes);
    }

    public void ReadExactly(Span<byte> into)
    {
        while (!into.IsEmpty)
        {
            if (_at == _length)
            {
                NextFrame();
            }

            var n = Math.Min(into.Length, _length - _at);
            _frame.AsSpan(_at, n).CopyTo(into);
            _at += n;
            into = into[n..];
        }
    }

    public int Read7BitEncodedInt()
    {
        var v = Read7BitEncodedInt64();
        return v is >= 0 and <= uint.MaxValue ? unchecked((int)(uint)v) : throw new InvalidDataException("a 32-bit number is too long");
    }

    public long Read7BitEncodedInt64()
    {
        ulong v = 0;
        for (var shift = 0; shift < 70; shift += 7)
        {
            var b = _at < _length ? _frame[_at++] : ReadByte();
            v |= unchecked((ulong)(b & 0x7F)) << shift;
            if (b < 0x80)
            {
                return unchecked((long)v);
            }
        }

        throw new InvalidDataException("a number is too long");
    }

    /// <summary>True for ticks NodaTime can make an instant of (a snapshot's instants are checked on read).</summary>
    public static bool IsInstant(long ticks) => ticks >= NodaTime.Instant.MinValue.ToUnixTimeTicks() && ticks <= NodaTime.Instant.MaxValue.ToUnixTimeTicks();

    /// <summary>A signed number as <see cref="SnapshotWriter.WriteSigned"/> wrote it.</summary>
    public long ReadSigned()
    {
        var z = unchecked((ulong)Read7BitEncodedInt64());
        return unchecked((long)(z >> 1) ^ -(long)(z & 1));
    }

    /// <summary>A string as <see cref="BinaryWriter.Write(string)"/> wrote it.</summary>
    public string ReadString()
    {
        var length = Read7BitEncodedInt();
        if (length < 0)
        {
            throw new InvalidDataException("a string's length is negative");
        }

        if (length <= _length - _at)
        {
            var text = Encoding.UTF8.GetString(_frame, _at, length);
            _at += length;
            return text;
        }

        var bytes = new byte[length];
        ReadExactly(bytes);
        return Encoding.UTF8.GetString(bytes);
    }

    /// <summary>Checks that the snapshot ends here: this frame read whole and the end frame next.</summary>
    public void ReadEnd()
    {
        if (_at != _length || _ended || ReadFrameLength() != 0)
        {
            throw new InvalidDataException("bytes are left after the snapshot's end");
        }

        _ended = true;
    }

    private void NextFrame()
    {
        var length = _ended ? 0 : ReadFrameLength();
        if (length == 0)
        {
            _ended = true;
            throw new EndOfStreamException("the snapshot ends before its last part");
        }

        stream.ReadExactly(_frame.AsSpan(0, length));
        (_at, _length) = (0, length);
    }

    private int ReadFrameLength()
    {
        var length = 0;
        for (var shift = 0; shift < 35; shift += 7)
        {
            var b = stream.ReadByte();
            if (b < 0)
            {
                throw new EndOfStreamException("the snapshot ends before its last part");
            }

            length |= (b & 0x7F) << shift;
            if (b < 0x80)
            {
                return length is >= 0 and <= FrameBytes ? length : throw new InvalidDataException($"a part of {length} bytes is longer than any snapshot writes");
            }
        }

        throw new InvalidDataException("a part's length does not read");
    }
}
