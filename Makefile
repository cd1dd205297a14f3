# Cairn's two everyday commands: `make run` (a single node on 127.0.0.1:6379, data in ./data)
# and `make test` (install what is missing, build, run every test). Both start from a fresh
# machine: deps/install.sh installs the Debian packages that are missing.
BUILD ?= build
JOBS ?= 2
CMAKE_FLAGS ?= -DCMAKE_BUILD_TYPE=RelWithDebInfo

.PHONY: all deps configure build server run cluster cluster-stop test compat compat-selftest bench sanitize fuzz clean

all: build

deps:
	@bash deps/install.sh

configure: deps
	@cmake -S . -B $(BUILD) $(CMAKE_FLAGS) > /dev/null

build: configure
	@cmake --build $(BUILD) -j $(JOBS)

# Only the server, so the first `make run` does not wait for the tests to compile.
server: configure
	@cmake --build $(BUILD) -j $(JOBS) --target cairn-server

run: server
	@mkdir -p data
	./$(BUILD)/cairn-server conf/cairn.toml

# A NODES-node cluster on loopback (client ports 7001.., data in ./cluster): scripts/cluster.sh
# for status, kill and restart of one node.
NODES ?= 3
cluster: server
	CAIRN_SERVER=$(BUILD)/cairn-server bash scripts/cluster.sh start $(NODES)

cluster-stop:
	bash scripts/cluster.sh stop

test: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

# Redis's own test suite against Cairn, unit by unit, held to tests/compat/passing.tsv.
compat: server
	@bash deps/install.sh compat
	bash scripts/redis-suite.sh

# Proves the ratchet fails a build whose GET is wrong (builds a broken server in build/).
compat-selftest:
	@bash deps/install.sh compat
	bash scripts/redis-suite-selftest.sh

bench: build
	@bash deps/install.sh bench
	bash scripts/bench.sh

sanitize:
	@bash deps/install.sh
	@cmake -S . -B build-sanitize -DCMAKE_BUILD_TYPE=Debug -DCAIRN_SANITIZE=ON > /dev/null
	@cmake --build build-sanitize -j $(JOBS)
	cd build-sanitize && ctest --output-on-failure -j $(JOBS)

fuzz:
	bash scripts/fuzz.sh

clean:
	rm -rf $(BUILD) build-sanitize
