using System.Globalization;
using System.Security.Cryptography;

namespace Neq.Onnx.Data;

/// <summary>
/// Downloads a file over HTTP(S) to a temporary file beside the destination, checks its MD5 while
/// the bytes arrive, and only then renames it into place, so an interrupted or corrupt download
/// never leaves a file that looks complete.
/// </summary>
public static class FileDownloader
{
    const int ReportEveryBytes = 1 << 20;

    /// <summary>
    /// Downloads <paramref name="url"/> to <paramref name="destination"/>.
    /// <paramref name="timeout"/> bounds the connection and every stall between two reads;
    /// <paramref name="expectedMd5"/> (hex, any case) is checked when not null.
    /// </summary>
    /// <exception cref="HttpRequestException">The server cannot be reached or answers with an error.</exception>
    /// <exception cref="TimeoutException">Connecting or reading took longer than <paramref name="timeout"/>.</exception>
    /// <exception cref="DatasetException">The downloaded bytes do not have the expected MD5; nothing is kept.</exception>
    public static async Task DownloadAsync(
        string url, string destination, string? expectedMd5, TimeSpan timeout,
        IProgress<DownloadProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        var dir = Path.GetDirectoryName(Path.GetFullPath(destination))!;
        Directory.CreateDirectory(dir);
        var tmp = destination + ".download-" + Environment.ProcessId.ToString(CultureInfo.InvariantCulture);
        using var handler = new SocketsHttpHandler { ConnectTimeout = timeout };
        // The whole transfer may take minutes; the stall timeout below bounds each read instead.
        using var client = new HttpClient(handler) { Timeout = System.Threading.Timeout.InfiniteTimeSpan };
        using var stall = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        try
        {
            stall.CancelAfter(timeout);
            using var response = await client.GetAsync(url, HttpCompletionOption.ResponseHeadersRead, stall.Token).ConfigureAwait(false);
            response.EnsureSuccessStatusCode();
            var total = response.Content.Headers.ContentLength;
            using var md5 = IncrementalHash.CreateHash(HashAlgorithmName.MD5);
            await using (var body = await response.Content.ReadAsStreamAsync(stall.Token).ConfigureAwait(false))
            await using (var file = new FileStream(tmp, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16, useAsync: true))
            {
                var buffer = new byte[1 << 16];
                long received = 0, reported = 0;
                progress?.Report(new DownloadProgress(0, total));
                while (true)
                {
                    stall.CancelAfter(timeout);
                    var n = await body.ReadAsync(buffer, stall.Token).ConfigureAwait(false);
                    if (n == 0) break;
                    md5.AppendData(buffer, 0, n);
                    await file.WriteAsync(buffer.AsMemory(0, n), stall.Token).ConfigureAwait(false);
                    received += n;
                    if (received - reported >= ReportEveryBytes) { progress?.Report(new DownloadProgress(received, total)); reported = received; }
                }
                if (total is { } t && received != t)
                    throw new HttpRequestException(string.Create(CultureInfo.InvariantCulture,
                        $"the connection closed after {received:N0} of {t:N0} bytes"));
                progress?.Report(new DownloadProgress(received, total));
                await file.FlushAsync(cancellationToken).ConfigureAwait(false);
            }
            var actual = Convert.ToHexStringLower(md5.GetHashAndReset());
            if (expectedMd5 is not null && !actual.Equals(expectedMd5, StringComparison.OrdinalIgnoreCase))
                throw new DatasetException(
                    $"{url}: the downloaded file's MD5 is {actual}, expected {expectedMd5.ToLowerInvariant()}; the download is corrupt and was discarded. Try again.");
            File.Move(tmp, destination, overwrite: true);
        }
        catch (OperationCanceledException e) when (!cancellationToken.IsCancellationRequested)
        {
            TryDelete(tmp);
            throw new TimeoutException($"no answer from {url} within {timeout.TotalSeconds:0.#} s", e);
        }
        catch
        {
            TryDelete(tmp);
            throw;
        }
    }

    static void TryDelete(string path)
    {
        try { File.Delete(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
    }
}
