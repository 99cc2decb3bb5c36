// The replies a cluster node gives beyond Redis's own (README "Errors a client can get"): one
// place for their texts. The "not executed" reply (CLUSTERDOWN) is only ever given for commands
// that were not applied; UNCERTAIN only when the outcome could not be learned in time.
#pragma once

namespace redraft::cluster {

inline constexpr char kErrNoLeader[] = "-CLUSTERDOWN The cluster is down: no leader is known\r\n";
inline constexpr char kErrUncertain[] =
    "-UNCERTAIN The write's outcome is unknown: no leader confirmed it within cluster-request-timeout\r\n";
inline constexpr char kErrReadTimeout[] = "-CLUSTERDOWN The cluster is down: no quorum confirmed the read in time\r\n";

}  // namespace redraft::cluster
