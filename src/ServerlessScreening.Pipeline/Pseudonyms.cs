using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace ServerlessScreening.Pipeline;

/// <summary>
/// Pseudonymous patient keys for logs and telemetry: HMAC-SHA256 over site and patient id with a secret key, so a
/// log line can be correlated across functions without naming the patient, and cannot be reversed without the key.
/// </summary>
public sealed class Pseudonyms(IOptions<ScreeningOptions> options)
{
    private readonly byte[] _key = Convert.FromBase64String(options.Value.PseudonymKey);

    public string Of(string siteId, string patientId)
    {
        var digest = HMACSHA256.HashData(_key, Encoding.UTF8.GetBytes(siteId + "\n" + patientId));
        return "pk_" + Convert.ToHexStringLower(digest, 0, 8);
    }
}
