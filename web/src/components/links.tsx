/** Router links that look like Mantine anchors and buttons, typed by the route tree (createLink). */
import { Anchor, Button } from "@mantine/core"
import type { AnchorProps, ButtonProps } from "@mantine/core"
import { createLink } from "@tanstack/react-router"
import type { LinkComponent } from "@tanstack/react-router"
import { forwardRef } from "react"
import type { AnchorHTMLAttributes } from "react"

type AnchorElementProps = AnchorProps & AnchorHTMLAttributes<HTMLAnchorElement>
type ButtonElementProps = ButtonProps & AnchorHTMLAttributes<HTMLAnchorElement>

const AnchorBase = forwardRef<HTMLAnchorElement, AnchorElementProps>((props, ref) => <Anchor ref={ref} {...props} />)
const ButtonBase = forwardRef<HTMLAnchorElement, ButtonElementProps>((props, ref) => (
  <Button component="a" ref={ref} {...props} />
))

const CreatedAnchor = createLink(AnchorBase)
const CreatedButton = createLink(ButtonBase)

export const AnchorLink: LinkComponent<typeof AnchorBase> = (props) => <CreatedAnchor preload="intent" {...props} />
export const ButtonLink: LinkComponent<typeof ButtonBase> = (props) => <CreatedButton preload="intent" {...props} />
