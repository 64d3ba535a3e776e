#!/bin/sh
# The official redis image's entrypoint, reduced to what it does for a Debian redis-server.
set -e
# `docker run redis --port 7000` and `docker run redis /etc/redis.conf` mean redis-server with those arguments.
if [ "${1#-}" != "$1" ] || [ "${1%.conf}" != "$1" ]; then
  set -- redis-server "$@"
fi
if [ "$1" = 'redis-server' ] && [ "$(id -u)" = '0' ]; then
  find . \! -user redis -exec chown redis '{}' +
  exec gosu redis "$0" "$@"
fi
# Keep the data files private to the redis user.
um="$(umask)"
if [ "$um" = '0022' ]; then umask 0077; fi
if [ "$1" = 'redis-server' ]; then
  # Without a config file that says otherwise, protected mode is off: the container's network is the boundary,
  # and the stack sets --requirepass.
  doProtectedMode=1
  configFile=
  if [ -f "$2" ]; then
    configFile="$2"
    if grep -q '^protected-mode' "$configFile"; then doProtectedMode=; fi
  fi
  if [ "$doProtectedMode" ]; then
    shift
    if [ "$configFile" ]; then shift; fi
    set -- --protected-mode no "$@"
    if [ "$configFile" ]; then set -- "$configFile" "$@"; fi
    set -- redis-server "$@"
  fi
fi
exec "$@"
