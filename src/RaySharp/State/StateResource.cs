namespace RaySharp.State;

/// <summary>What the state API lists (Ray's <c>ray list</c> resources).</summary>
public enum StateResource
{
    /// <summary>The cluster's nodes, alive and dead.</summary>
    Nodes,

    /// <summary>Actors of every job, with their state, node, pid and death cause.</summary>
    Actors,

    /// <summary>Task attempts (normal and actor tasks) as their task events tell them.</summary>
    Tasks,

    /// <summary>Objects that processes hold references to, and objects in the nodes' stores.</summary>
    Objects,

    /// <summary>Jobs: drivers that connected, and jobs submitted through the job API.</summary>
    Jobs,

    /// <summary>Worker processes of every node (live and recently exited), and drivers.</summary>
    Workers,

    /// <summary>Cluster events, newest first: nodes that joined or died, actors restarted, workers killed by the memory monitor.</summary>
    ClusterEvents,
}
