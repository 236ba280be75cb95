using System.Globalization;
using System.Net.Sockets;
using System.Text;

namespace StmFhir.Gateway.Tests.Hostile;

/// <summary>HTTP/1.1 written by hand on a socket, for framing no HttpClient would send (odd chunk sizes, tiny chunks).</summary>
internal static class RawHttp
{
    /// <summary>The status code and head of the answer (up to the blank line), and the body when it has a Content-Length.</summary>
    public static async Task<(int Status, string Head, string Body)> ReadStatusAsync(NetworkStream stream, TimeSpan? timeout = null)
    {
        using var cancel = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(30));
        var received = new List<byte>();
        var buffer = new byte[8192];
        var headEnd = -1;
        while (true)
        {
            int read;
            try
            {
                read = await stream.ReadAsync(buffer, cancel.Token);
            }
            catch (IOException)
            {
                read = 0;
            }
            if (read == 0)
            {
                break;
            }
            received.AddRange(buffer.AsSpan(0, read).ToArray());
            var text = Encoding.ASCII.GetString([.. received]);
            headEnd = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
            if (headEnd >= 0)
            {
                var length = text[..headEnd].Split("\r\n").FirstOrDefault(l => l.StartsWith("Content-Length:", StringComparison.OrdinalIgnoreCase)) is { } header
                    ? int.Parse(header["Content-Length:".Length..].Trim(), CultureInfo.InvariantCulture) : 0;
                if (received.Count >= headEnd + 4 + length)
                {
                    break;
                }
            }
        }
        var all = Encoding.UTF8.GetString([.. received]);
        if (headEnd < 0)
        {
            return (0, all, "");
        }
        var status = int.Parse(all.Split(' ')[1], CultureInfo.InvariantCulture);
        return (status, all[..headEnd], all[(headEnd + 4)..]);
    }

    /// <summary>Sends <paramref name="body"/> chunked, <paramref name="chunkSize"/> bytes per chunk, and reads the answer.</summary>
    public static async Task<(int Status, string Head, string Body)> PostChunkedAsync(Uri server, string path, string key, string contentType, byte[] body, int chunkSize)
    {
        using var client = new TcpClient();
        await client.ConnectAsync(server.Host, server.Port);
        var stream = client.GetStream();
        var framed = new MemoryStream();
        framed.Write(Encoding.ASCII.GetBytes($"POST {path} HTTP/1.1\r\nHost: {server.Authority}\r\nX-Api-Key: {key}\r\nContent-Type: {contentType}\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"));
        for (var at = 0; at < body.Length; at += chunkSize)
        {
            var size = Math.Min(chunkSize, body.Length - at);
            framed.Write(Encoding.ASCII.GetBytes(size.ToString("x", CultureInfo.InvariantCulture) + "\r\n"));
            framed.Write(body, at, size);
            framed.Write("\r\n"u8);
        }
        framed.Write("0\r\n\r\n"u8);
        await stream.WriteAsync(framed.ToArray());
        return await ReadStatusAsync(stream, TimeSpan.FromSeconds(60));
    }
}
