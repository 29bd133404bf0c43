using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using Neq.Onnx.Data;
using Xunit.Abstractions;

namespace Neq.Onnx.Tests.Data;

public sealed class Cifar10LocatorTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Unreachable_server_says_where_to_put_the_file()
    {
        using var tmp = new TempFolder();
        var source = new Cifar10Source { CacheDirectory = tmp.Path, DownloadUrl = "http://127.0.0.1:9/x", Timeout = TimeSpan.FromSeconds(2) };
        var clock = Stopwatch.StartNew();
        var e = await Assert.ThrowsAsync<DatasetException>(() => Cifar10Locator.LocateAsync(source));
        output.WriteLine($"{clock.ElapsedMilliseconds} ms: {e.Message}");
        var archive = Path.Combine(tmp.Path, "cifar-10-binary.tar.gz");
        Assert.Contains($"looked for {archive} and {Path.Combine(tmp.Path, "cifar-10-batches-bin")}", e.Message);
        Assert.Contains("http://127.0.0.1:9/x failed", e.Message);
        Assert.Contains($"put it at {archive}", e.Message);
        Assert.Contains("--data", e.Message);
        Assert.Empty(Directory.GetFiles(tmp.Path)); // no partial download left behind
    }

    [Fact]
    public async Task Download_off_says_where_to_put_the_file()
    {
        using var tmp = new TempFolder();
        var source = new Cifar10Source { DataPath = tmp.Path, AllowDownload = false };
        var e = await Assert.ThrowsAsync<DatasetException>(() => Cifar10Locator.LocateAsync(source));
        Assert.Contains($"put it at {Path.Combine(tmp.Path, "cifar-10-binary.tar.gz")}", e.Message);
        Assert.Contains("downloading is off", e.Message);
    }

    [Fact]
    public async Task Given_paths_resolve()
    {
        using var tmp = new TempFolder();
        var folder = tmp["cifar-10-batches-bin"];
        SyntheticCifar.WriteFolder(folder, 3);
        var off = new Cifar10Source { AllowDownload = false };
        // The parent folder, the batches folder itself, and a file (taken as the archive, unchecked here).
        Assert.Equal(folder, await Cifar10Locator.LocateAsync(off with { DataPath = tmp.Path }));
        Assert.Equal(folder, await Cifar10Locator.LocateAsync(off with { DataPath = folder }));
        var file = tmp["anything.tar.gz"];
        File.WriteAllBytes(file, [1, 2, 3]);
        Assert.Equal(file, await Cifar10Locator.LocateAsync(off with { DataPath = file }));
        // A mistyped --data path is an error, never a download into a new folder.
        var typo = tmp["cifr"];
        var e = await Assert.ThrowsAsync<DatasetException>(() => Cifar10Locator.LocateAsync(new Cifar10Source { DataPath = typo }));
        Assert.StartsWith($"{typo}: no such file or folder", e.Message);
        Assert.False(Directory.Exists(typo));
    }

    [Fact]
    public async Task Downloads_verifies_and_reports_progress()
    {
        using var tmp = new TempFolder();
        var archive = tmp["served.tar.gz"];
        SyntheticCifar.WriteArchive(archive, 3);
        var body = File.ReadAllBytes(archive);
        var md5 = Convert.ToHexStringLower(MD5.HashData(body));
        using var server = OneShotServer.Start(body);
        var cache = tmp["cache"];
        var reports = new List<DownloadProgress>();
        var source = new Cifar10Source { CacheDirectory = cache, DownloadUrl = server.Url, DownloadMd5 = md5.ToUpperInvariant(), Timeout = TimeSpan.FromSeconds(10) };

        var path = await Cifar10Locator.LocateAsync(source, new SyncProgress(reports.Add));

        Assert.Equal(Path.Combine(cache, "cifar-10-binary.tar.gz"), path);
        Assert.Equal(body, File.ReadAllBytes(path));
        Assert.Equal(new DownloadProgress(body.Length, body.Length), reports[^1]);
        Assert.Equal(1.0, reports[^1].Fraction);
        Assert.Equal(3, Cifar10.Load(path, new Cifar10Layout(3)).Test.Count);
        // Found in the cache next time: no second download (the server answers once only).
        Assert.Equal(path, await Cifar10Locator.LocateAsync(source));
    }

    [Fact]
    public async Task Checksum_mismatch_keeps_nothing()
    {
        using var tmp = new TempFolder();
        var body = Encoding.ASCII.GetBytes("not the archive you are looking for");
        using var server = OneShotServer.Start(body);
        var source = new Cifar10Source { CacheDirectory = tmp.Path, DownloadUrl = server.Url, Timeout = TimeSpan.FromSeconds(10) };
        var e = await Assert.ThrowsAsync<DatasetException>(() => Cifar10Locator.LocateAsync(source));
        Assert.Contains($"MD5 is {Convert.ToHexStringLower(MD5.HashData(body))}, expected c32a1d4ab5d03f1284b67883e8d87530", e.Message);
        Assert.Empty(Directory.GetFiles(tmp.Path));
    }

    /// <summary>Reports synchronously, so the list is complete when the download returns.</summary>
    sealed class SyncProgress(Action<DownloadProgress> report) : IProgress<DownloadProgress>
    {
        public void Report(DownloadProgress value) => report(value);
    }

    /// <summary>A loopback HTTP/1.1 server that answers one GET with the given body, in chunks.</summary>
    sealed class OneShotServer : IDisposable
    {
        readonly TcpListener _listener;
        readonly Task _serving;

        OneShotServer(byte[] body)
        {
            _listener = new TcpListener(IPAddress.Loopback, 0);
            _listener.Start();
            Url = $"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}/cifar-10-binary.tar.gz";
            _serving = Task.Run(async () =>
            {
                using var client = await _listener.AcceptTcpClientAsync();
                using var stream = client.GetStream();
                var request = new byte[4096];
                var read = 0;
                while (!Encoding.ASCII.GetString(request, 0, read).Contains("\r\n\r\n"))
                    read += await stream.ReadAsync(request.AsMemory(read));
                var header = $"HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: {body.Length}\r\nConnection: close\r\n\r\n";
                await stream.WriteAsync(Encoding.ASCII.GetBytes(header));
                for (var o = 0; o < body.Length; o += 10_000)
                    await stream.WriteAsync(body.AsMemory(o, Math.Min(10_000, body.Length - o)));
            });
        }

        public string Url { get; }

        public static OneShotServer Start(byte[] body) => new(body);

        public void Dispose()
        {
            _listener.Stop();
            try { _serving.Wait(TimeSpan.FromSeconds(5)); } catch (AggregateException) { }
        }
    }
}
