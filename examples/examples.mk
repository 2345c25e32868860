# examples/examples.mk: example unikernels, built with uhvt-cc.

EXAMPLES := $(B)/examples/hello.hvt

all: $(EXAMPLES)

$(B)/examples/hello.hvt: examples/hello/hello.c $(B)/uhvt-cc
	@mkdir -p $(@D)
	$(B)/uhvt-cc -Wall -Wextra -Werror -o $@ examples/hello/hello.c
