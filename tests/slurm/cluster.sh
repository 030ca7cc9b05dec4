#!/usr/bin/env bash
# A real one-node SLURM cluster on this machine, for the tests in tests/slurm/.
#
#   bash tests/slurm/cluster.sh start    # install when missing, configure, start, wait for the node to be idle
#   bash tests/slurm/cluster.sh status   # sinfo, or why it is not up
#   bash tests/slurm/cluster.sh stop     # stop every daemon by its pid file
#
# Everything (config, state, spool, logs, sockets, the accounting database) lives under one directory,
# $LABRAILS_SLURM_DIR (default /tmp/labrails-slurm), on ports of its own, so a system SLURM cannot clash.
# Clients need SLURM_CONF=$LABRAILS_SLURM_DIR/etc/slurm.conf (the script prints the export line).
# Daemons run as root, started directly (no systemd): munged, mariadbd, slurmdbd, slurmctld, slurmd.
# slurmdbd is there because submitit reads job states with sacct: without accounting it sees every job
# as UNKNOWN and never returns for a cancelled one.
# When start fails, the reason is written to $LABRAILS_SLURM_DIR/unavailable.txt, which the tests show
# as their skip reason.
set -uo pipefail

DIR="${LABRAILS_SLURM_DIR:-/tmp/labrails-slurm}"
CTLD_PORT="${LABRAILS_SLURM_PORT:-16817}"
SLURMD_PORT=$((CTLD_PORT + 1))
DBD_PORT=$((CTLD_PORT + 2))
DB_PORT=$((CTLD_PORT + 3))
CPUS="${LABRAILS_SLURM_CPUS:-4}"      # advertised CPUs (config_overrides): 2 seeds in parallel plus headroom on a 2-core machine
NODE="$(hostname -s)"
SOCK="$DIR/run/munge.sock"
export SLURM_CONF="$DIR/etc/slurm.conf"

log() { echo "slurm-cluster: $*" >&2; }

unavailable() {
    mkdir -p "$DIR"
    echo "$*" > "$DIR/unavailable.txt"
    log "not started: $*"
    stop_daemons >/dev/null 2>&1
    exit 1
}

wait_for() {  # wait_for SECONDS DESCRIPTION COMMAND...
    local limit=$1 what=$2; shift 2
    local deadline=$((SECONDS + limit))
    until "$@" >/dev/null 2>&1; do
        if ((SECONDS >= deadline)); then return 1; fi
        sleep 0.2
    done
}

install_missing() {
    local missing=()
    command -v slurmctld >/dev/null || missing+=(slurm-wlm)
    command -v munged >/dev/null || missing+=(munge)
    command -v slurmdbd >/dev/null || missing+=(slurmdbd)
    command -v mariadbd >/dev/null || missing+=(mariadb-server)
    ((${#missing[@]})) || return 0
    [[ $(id -u) == 0 ]] || unavailable "${missing[*]} not installed and not root (install: apt-get install -y ${missing[*]})"
    command -v apt-get >/dev/null || unavailable "${missing[*]} not installed and no apt-get here"
    log "installing ${missing[*]}"
    # policy-rc.d keeps the packages' own services from starting: this script starts its own daemons.
    export DEBIAN_FRONTEND=noninteractive
    { apt-get update -qq && apt-get install -y -qq "${missing[@]}"; } >"$DIR/apt.log" 2>&1 \
        || unavailable "apt-get install ${missing[*]} failed: $(tail -3 "$DIR/apt.log" | tr '\n' ' ')"
}

node_memory_mb() {  # ~95% of what slurmd sees: more than it reports drains the node
    local real
    real=$(slurmd -C 2>/dev/null | sed -n 's/.*RealMemory=\([0-9]*\).*/\1/p')
    echo $(( ${real:-2048} * 95 / 100 ))
}

write_configs() {
    local mem=$1
    mkdir -p "$DIR"/{etc,state,spool,log,run,munge,db}
    chmod 0755 "$DIR" "$DIR/run"   # munged refuses a socket directory others cannot enter
    cat >"$DIR/etc/slurm.conf" <<EOF
ClusterName=labrails
SlurmctldHost=$NODE(127.0.0.1)
SlurmctldPort=$CTLD_PORT
SlurmdPort=$SLURMD_PORT
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket=$SOCK
CredType=cred/munge
StateSaveLocation=$DIR/state
SlurmdSpoolDir=$DIR/spool
SlurmctldPidFile=$DIR/run/slurmctld.pid
SlurmdPidFile=$DIR/run/slurmd.pid
SlurmctldLogFile=$DIR/log/slurmctld.log
SlurmdLogFile=$DIR/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU_Memory
DefMemPerCPU=$((mem / CPUS))
SlurmdParameters=config_overrides
SchedulerParameters=batch_sched_delay=0
EnforcePartLimits=ALL
KillWait=5
MinJobAge=300
MailProg=/bin/true
ReturnToService=2
AccountingStorageType=accounting_storage/slurmdbd
AccountingStorageHost=127.0.0.1
AccountingStoragePort=$DBD_PORT
AccountingStoragePass=$SOCK
JobCompType=jobcomp/none
NodeName=$NODE NodeAddr=127.0.0.1 CPUs=$CPUS RealMemory=$mem State=UNKNOWN
PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP
EOF
    cat >"$DIR/etc/slurmdbd.conf" <<EOF
AuthType=auth/munge
AuthInfo=socket=$SOCK
DbdAddr=127.0.0.1
DbdHost=$NODE
DbdPort=$DBD_PORT
SlurmUser=root
PidFile=$DIR/run/slurmdbd.pid
LogFile=$DIR/log/slurmdbd.log
StorageType=accounting_storage/mysql
StorageHost=127.0.0.1
StoragePort=$DB_PORT
StorageUser=slurm
StoragePass=slurm
StorageLoc=slurm_acct_db
EOF
    chmod 600 "$DIR/etc/slurmdbd.conf"
}

start_munge() {
    [[ -f $DIR/munge/munge.key ]] || { dd if=/dev/urandom of="$DIR/munge/munge.key" bs=1024 count=1 status=none; chmod 400 "$DIR/munge/munge.key"; }
    munged --force --key-file="$DIR/munge/munge.key" --socket="$SOCK" --pid-file="$DIR/run/munged.pid" \
        --log-file="$DIR/log/munged.log" --seed-file="$DIR/munge/munged.seed" \
        || unavailable "munged did not start: $(tail -2 "$DIR/log/munged.log" 2>/dev/null | tr '\n' ' ')"
    wait_for 10 munge test -S "$SOCK" || unavailable "munged made no socket at $SOCK"
}

start_mariadb() {
    if [[ ! -d $DIR/db/mysql ]]; then
        mariadb-install-db --user=root --datadir="$DIR/db" --auth-root-authentication-method=socket >"$DIR/log/mariadb-install.log" 2>&1 \
            || unavailable "mariadb-install-db failed: $(tail -2 "$DIR/log/mariadb-install.log" | tr '\n' ' ')"
    fi
    mariadbd --user=root --datadir="$DIR/db" --socket="$DIR/run/mysql.sock" --port="$DB_PORT" --bind-address=127.0.0.1 \
        --pid-file="$DIR/run/mariadbd.pid" --log-error="$DIR/log/mariadb.log" --skip-log-bin --innodb-buffer-pool-size=32M \
        >/dev/null 2>&1 &
    wait_for 30 mariadb mariadb --socket="$DIR/run/mysql.sock" -e "select 1" \
        || unavailable "mariadbd did not answer: $(tail -2 "$DIR/log/mariadb.log" 2>/dev/null | tr '\n' ' ')"
    mariadb --socket="$DIR/run/mysql.sock" -e "CREATE USER IF NOT EXISTS 'slurm'@'127.0.0.1' IDENTIFIED BY 'slurm';
        CREATE USER IF NOT EXISTS 'slurm'@'localhost' IDENTIFIED BY 'slurm';
        GRANT ALL ON slurm_acct_db.* TO 'slurm'@'127.0.0.1'; GRANT ALL ON slurm_acct_db.* TO 'slurm'@'localhost';" \
        || unavailable "could not create the accounting database user"
}

start_slurm() {
    SLURM_CONF="$DIR/etc/slurm.conf" slurmdbd || unavailable "slurmdbd did not start: $(tail -2 "$DIR/log/slurmdbd.log" 2>/dev/null | tr '\n' ' ')"
    wait_for 30 slurmdbd bash -c "exec 3<>/dev/tcp/127.0.0.1/$DBD_PORT" \
        || unavailable "slurmdbd is not listening on $DBD_PORT: $(tail -2 "$DIR/log/slurmdbd.log" | tr '\n' ' ')"
    slurmctld -f "$DIR/etc/slurm.conf" || unavailable "slurmctld did not start: $(tail -2 "$DIR/log/slurmctld.log" 2>/dev/null | tr '\n' ' ')"
    slurmd -f "$DIR/etc/slurm.conf" || unavailable "slurmd did not start: $(tail -2 "$DIR/log/slurmd.log" 2>/dev/null | tr '\n' ' ')"
    wait_for 60 "idle node" bash -c "sinfo -h -o '%T' | grep -qx idle" \
        || unavailable "the node did not become idle: $(sinfo -h -o '%N %T %E' 2>&1 | tr '\n' ' ') $(tail -2 "$DIR/log/slurmctld.log" | tr '\n' ' ')"
}

running() {
    sinfo -h -o '%T' 2>/dev/null | grep -qxE 'idle|mixed|allocated'
}

stop_daemons() {
    local name pid
    for name in slurmd slurmctld slurmdbd mariadbd munged; do
        pid=$(cat "$DIR/run/$name.pid" 2>/dev/null) || continue
        [[ -n $pid ]] && kill "$pid" 2>/dev/null
    done
    for name in slurmd slurmctld slurmdbd mariadbd munged; do
        pid=$(cat "$DIR/run/$name.pid" 2>/dev/null) || continue
        for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -0 "$pid" 2>/dev/null && kill -9 "$pid" 2>/dev/null
        rm -f "$DIR/run/$name.pid"
    done
}

case "${1:-}" in
start)
    t0=$SECONDS
    if [[ -f $SLURM_CONF ]] && running; then
        log "already running"
    else
        stop_daemons >/dev/null 2>&1
        rm -rf "$DIR"
        mkdir -p "$DIR"
        install_missing
        write_configs "$(node_memory_mb)"
        start_munge
        start_mariadb
        start_slurm
        log "node $NODE idle after $((SECONDS - t0)) s"
    fi
    rm -f "$DIR/unavailable.txt"
    echo "export SLURM_CONF=$SLURM_CONF"
    ;;
stop)
    stop_daemons
    log "stopped"
    ;;
status)
    if [[ -f $DIR/unavailable.txt ]]; then
        echo "not running: $(cat "$DIR/unavailable.txt")"; exit 1
    fi
    [[ -f $SLURM_CONF ]] || { echo "not running: no $SLURM_CONF (bash tests/slurm/cluster.sh start)"; exit 1; }
    sinfo || exit 1
    ;;
*)
    echo "usage: $0 start|stop|status" >&2
    exit 2
    ;;
esac
