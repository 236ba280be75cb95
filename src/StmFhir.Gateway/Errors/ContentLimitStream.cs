namespace StmFhir.Gateway.Errors;

/// <summary>
/// A chunked request body counted by its content, not its framing: Kestrel's own limit counts the chunk-size lines and
/// line ends too, so a body under the limit sent in small chunks was refused. Beyond the limit a read throws a 413
/// <see cref="BadHttpRequestException"/>; a read that fails on malformed framing (Kestrel reports a chunk size too
/// large for a number as a plain <see cref="IOException"/>) throws a 400 one, so neither becomes a 500.
/// </summary>
internal sealed class ContentLimitStream(Stream inner, long limit) : Stream
{
    private long _read;

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        try
        {
            return Count(inner.Read(buffer));
        }
        catch (IOException e) when (e is not BadHttpRequestException)
        {
            throw Malformed(e);
        }
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        try
        {
            return Count(await inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false));
        }
        catch (IOException e) when (e is not BadHttpRequestException)
        {
            throw Malformed(e);
        }
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    private int Count(int read)
    {
        _read += read;
        if (_read > limit)
        {
            throw new BadHttpRequestException($"The request body is larger than the limit of {limit} bytes", StatusCodes.Status413PayloadTooLarge);
        }
        return read;
    }

    private static BadHttpRequestException Malformed(IOException e) =>
        new("The request body's chunked framing is malformed", StatusCodes.Status400BadRequest, e);
}
