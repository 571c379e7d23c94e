/*
 * stream.c - the live stream hub (see stream.h). Placeholder.
 */
#include <stddef.h>
#include "app/stream.h"
#include "lib/banned.h"

void stream_kick(struct stream_hub *h, int64_t last_log_id)
{
	(void)h, (void)last_log_id;
}
