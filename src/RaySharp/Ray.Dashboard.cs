using RaySharp.Dashboard;
using RaySharp.Runtime;

namespace RaySharp;

public static partial class Ray
{
    /// <summary>
    /// Where the cluster's dashboard serves (Ray's <c>dashboard_url</c> of <c>ray.init()</c>'s context), e.g.
    /// <c>http://127.0.0.1:8265</c>: the local cluster's own, or the one the joined cluster's head records.
    /// Null when the cluster has none (turned off, or its port was taken).
    /// </summary>
    /// <exception cref="InvalidOperationException">Ray.Init() was not called.</exception>
    public static string? DashboardUrl
    {
        get
        {
            var worker = CoreWorker.Require();
            if (s_cluster is LocalCluster local)
            {
                return local.DashboardUrl;
            }
            // A joined cluster: its head recorded the URL in the GCS KV when the dashboard started.
            return DashboardAddress.ReadAsync(worker.Options.GcsEndpoint, TimeSpan.FromSeconds(2)).GetAwaiter().GetResult().Url;
        }
    }
}
